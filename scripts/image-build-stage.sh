#!/usr/bin/env bash
# Runs the build stage of the Dockerfile outside Docker, line by line as Docker would: its
# WORKDIR, COPY (from the build context less .dockerignore) and RUN instructions, in
# target/image-build/ (the stage's / ; `/src` and `/out` live there). Proves that the dependency
# layer, the stubs and the release build work from the files the image gets, and prints the
# path of the binary it produced (scripts/cluster-e2e.sh runs that binary). No Docker engine is
# needed; what this does not prove (the base images, the runtime stage) is listed in
# docs/webhook.md, "The image". Warm reruns reuse the stage's target/ directory.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
stage="$root/target/image-build"
mkdir -p "$stage"

# The build context: the repository less .dockerignore's patterns.
excludes=()
while IFS= read -r pat; do
  pat="${pat%%#*}"; pat="${pat%"${pat##*[![:space:]]}"}"
  [ -z "$pat" ] && continue
  pat="${pat%/}"
  case "$pat" in
    '**/'*) excludes+=("--exclude=${pat#\*\*/}") ;;
    *) excludes+=("--exclude=./$pat") ;;
  esac
done < "$root/.dockerignore"

workdir="/"
in_stage=0
run_line() {
  local cmd="$1"
  # Absolute paths of the stage's file system are rebased into $stage.
  cmd="${cmd// \/out\// $stage/out/}"
  echo "image-build-stage: RUN $cmd" >&2
  (cd "$stage$workdir" && bash -euo pipefail -c "$cmd") >&2
}
copy_line() {
  local -a parts
  read -r -a parts <<<"$1"
  local n=${#parts[@]} dst src i
  dst="${parts[$((n - 1))]}"
  case "$dst" in /*) ;; *) dst="$workdir/$dst" ;; esac
  for ((i = 0; i < n - 1; i++)); do
    src="${parts[$i]}"
    echo "image-build-stage: COPY $src -> $dst" >&2
    if [ "$src" = "." ]; then
      mkdir -p "$stage$dst"
      tar -C "$root" "${excludes[@]}" -cf - . | tar -C "$stage$dst" -xf -
    elif [ -d "$root/$src" ]; then
      # A directory: its contents, as Docker's COPY copies them.
      mkdir -p "$stage$dst"
      cp -pR "$root/${src%/}/." "$stage$dst"
    else
      case "$dst" in
        */) mkdir -p "$stage$dst"; cp -p "$root/$src" "$stage$dst" ;;
        *) mkdir -p "$(dirname "$stage$dst")"; cp -p "$root/$src" "$stage$dst" ;;
      esac
    fi
  done
}

# A fresh context each run, except the stage's cargo target/ (the cache Docker's layers give).
if [ -d "$stage/src" ]; then
  find "$stage/src" -mindepth 1 -maxdepth 1 ! -name target -exec rm -rf {} +
fi
rm -rf "$stage/out"

pending=""
while IFS= read -r line || [ -n "$line" ]; do
  if [ -n "$pending" ]; then line="$pending $line"; pending=""; fi
  case "$line" in *\\) pending="${line%\\}"; continue ;; esac
  line="${line#"${line%%[![:space:]]*}"}"
  case "$line" in
    FROM*)
      in_stage=$((in_stage + 1))
      [ "$in_stage" -gt 1 ] && break
      ;;
    WORKDIR\ *) workdir="${line#WORKDIR }"; mkdir -p "$stage$workdir" ;;
    COPY\ --*) echo "image-build-stage: unsupported in the build stage: $line" >&2; exit 2 ;;
    COPY\ *) copy_line "${line#COPY }" ;;
    RUN\ *) run_line "${line#RUN }" ;;
    ARG\ * | '#'* | '') ;;
    *) [ "$in_stage" -eq 1 ] && { echo "image-build-stage: unsupported instruction: $line" >&2; exit 2; } ;;
  esac
done < "$root/Dockerfile"

bin="$stage/out/plumbline-webhook"
[ -x "$bin" ] || { echo "image-build-stage: the build stage produced no $bin" >&2; exit 1; }
echo "$bin"
