// Command vapcheck evaluates the CEL of ValidatingAdmissionPolicies (as `plumbline export vap`
// writes them) against objects, with the CEL environment Kubernetes' API server uses for them
// (k8s.io/apiserver's base environment set: the Kubernetes libraries, strings, lists, regex,
// quantity, ip/cidr…), so the backstop's verdicts can be compared with the Rego rules' on every
// sample of their suites without a cluster. The end-to-end tests then check the same policies in
// a real kube-apiserver.
//
//	vapcheck CASES.json
//
// CASES.json: {"policies": [ValidatingAdmissionPolicy...], "cases": [{"key", "policy",
// "object", "namespaceObject"}...]}. Prints one line per case: key, policy, verdict (allowed,
// denied or error) and the message, tab-separated.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/google/cel-go/cel"
	"github.com/google/cel-go/common/types"
	"github.com/google/cel-go/common/types/ref"
	"k8s.io/apiserver/pkg/cel/environment"
)

type expr struct {
	Name              string `json:"name"`
	Expression        string `json:"expression"`
	Message           string `json:"message"`
	MessageExpression string `json:"messageExpression"`
}

type policy struct {
	Metadata struct {
		Name string `json:"name"`
	} `json:"metadata"`
	Spec struct {
		MatchConditions []expr `json:"matchConditions"`
		Variables       []expr `json:"variables"`
		Validations     []expr `json:"validations"`
	} `json:"spec"`
}

type testCase struct {
	Key             string `json:"key"`
	Policy          string `json:"policy"`
	Object          any    `json:"object"`
	NamespaceObject any    `json:"namespaceObject"`
}

type input struct {
	Policies []policy   `json:"policies"`
	Cases    []testCase `json:"cases"`
}

type compiled struct {
	conditions  []cel.Program
	variables   []string
	varPrograms []cel.Program
	validations []cel.Program
	messages    []cel.Program // nil where the validation has a plain message
	texts       []string
}

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: vapcheck CASES.json")
		os.Exit(2)
	}
	raw, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var in input
	if err := dec.Decode(&in); err != nil {
		fmt.Fprintln(os.Stderr, "vapcheck:", err)
		os.Exit(2)
	}
	env, err := environment.MustBaseEnvSet(environment.DefaultCompatibilityVersion()).
		Env(environment.StoredExpressions)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vapcheck: environment:", err)
		os.Exit(2)
	}
	env, err = env.Extend(
		cel.Variable("object", cel.DynType),
		cel.Variable("oldObject", cel.DynType),
		cel.Variable("namespaceObject", cel.DynType),
		cel.Variable("request", cel.DynType),
		cel.Variable("params", cel.DynType),
		cel.Variable("variables", cel.MapType(cel.StringType, cel.DynType)),
	)
	if err != nil {
		fmt.Fprintln(os.Stderr, "vapcheck: environment:", err)
		os.Exit(2)
	}
	policies := map[string]*compiled{}
	failed := false
	for _, p := range in.Policies {
		c, err := compile(env, p)
		if err != nil {
			fmt.Fprintf(os.Stderr, "vapcheck: %s: %v\n", p.Metadata.Name, err)
			failed = true
			continue
		}
		policies[p.Metadata.Name] = c
	}
	if failed {
		os.Exit(1)
	}
	for _, tc := range in.Cases {
		c, ok := policies[tc.Policy]
		if !ok {
			fmt.Printf("%s\t%s\terror\tno such policy\n", tc.Key, tc.Policy)
			continue
		}
		verdict, msg := evaluate(c, normalize(tc.Object), normalize(tc.NamespaceObject))
		fmt.Printf("%s\t%s\t%s\t%s\n", tc.Key, tc.Policy, verdict, strings.ReplaceAll(msg, "\n", " "))
	}
}

func program(env *cel.Env, source string) (cel.Program, error) {
	ast, iss := env.Compile(source)
	if iss.Err() != nil {
		return nil, fmt.Errorf("%q: %w", source, iss.Err())
	}
	return env.Program(ast)
}

func compile(env *cel.Env, p policy) (*compiled, error) {
	c := &compiled{}
	for _, m := range p.Spec.MatchConditions {
		prg, err := program(env, m.Expression)
		if err != nil {
			return nil, fmt.Errorf("matchCondition %s: %w", m.Name, err)
		}
		c.conditions = append(c.conditions, prg)
	}
	for _, v := range p.Spec.Variables {
		prg, err := program(env, v.Expression)
		if err != nil {
			return nil, fmt.Errorf("variable %s: %w", v.Name, err)
		}
		c.variables = append(c.variables, v.Name)
		c.varPrograms = append(c.varPrograms, prg)
	}
	for _, v := range p.Spec.Validations {
		prg, err := program(env, v.Expression)
		if err != nil {
			return nil, fmt.Errorf("validation: %w", err)
		}
		c.validations = append(c.validations, prg)
		var msg cel.Program
		if v.MessageExpression != "" {
			msg, err = program(env, v.MessageExpression)
			if err != nil {
				return nil, fmt.Errorf("messageExpression: %w", err)
			}
		}
		c.messages = append(c.messages, msg)
		c.texts = append(c.texts, v.Message)
	}
	return c, nil
}

func evaluate(c *compiled, object, namespace any) (string, string) {
	vars := map[string]any{}
	activation := map[string]any{
		"object":          object,
		"oldObject":       nil,
		"namespaceObject": namespace,
		"request":         map[string]any{"operation": "CREATE"},
		"params":          nil,
		"variables":       vars,
	}
	for _, prg := range c.conditions {
		out, _, err := prg.Eval(activation)
		if err != nil {
			return "error", "matchCondition: " + err.Error()
		}
		if out != types.True {
			return "allowed", "not matched"
		}
	}
	// Variables in order; each may read the ones before it (the API server evaluates them lazily,
	// which gives the same values for expressions without side effects).
	for i, prg := range c.varPrograms {
		out, _, err := prg.Eval(activation)
		if err != nil {
			return "error", "variable " + c.variables[i] + ": " + err.Error()
		}
		vars[c.variables[i]] = out
	}
	for i, prg := range c.validations {
		out, _, err := prg.Eval(activation)
		if err != nil {
			return "error", "validation: " + err.Error()
		}
		if out == types.True {
			continue
		}
		msg := c.texts[i]
		if c.messages[i] != nil {
			if m, _, err := c.messages[i].Eval(activation); err == nil {
				msg = str(m)
			}
		}
		return "denied", msg
	}
	return "allowed", ""
}

func str(v ref.Val) string {
	if s, ok := v.Value().(string); ok {
		return s
	}
	return fmt.Sprint(v.Value())
}

// normalize turns json.Number into int64 (or float64) as unstructured Kubernetes objects hold
// them.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, x := range t {
			t[k] = normalize(x)
		}
		return t
	case []any:
		for i, x := range t {
			t[i] = normalize(x)
		}
		return t
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	default:
		return v
	}
}
