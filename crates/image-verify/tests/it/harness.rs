//! Test harness: a `docker-registry` process on a free loopback port, a stalling TCP server,
//! deterministic keys, and verifier construction.

use std::io::Read as _;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use image_verify::testsign::{test_image, Pusher, TestSigner};
use image_verify::Verifier;
use serde_json::{json, Value};

const REGISTRY_BIN: &str = "/usr/bin/docker-registry";

pub(crate) fn platform() -> TestSigner {
    TestSigner::from_seed("plumbline-test-platform")
}
pub(crate) fn acme() -> TestSigner {
    TestSigner::from_seed("plumbline-test-acme")
}
pub(crate) fn rogue() -> TestSigner {
    TestSigner::from_seed("plumbline-test-rogue")
}

/// A `docker-registry serve` on 127.0.0.1:<free port>, filesystem storage in a temp dir;
/// killed and cleaned up on drop.
pub(crate) struct TestRegistry {
    child: Child,
    pub(crate) addr: String,
    dir: PathBuf,
}

fn free_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    l.local_addr().expect("local addr").port()
}

static SEQ: AtomicUsize = AtomicUsize::new(0);

fn temp_dir(what: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "plumbline-{what}-{}-{}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::SeqCst)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

impl TestRegistry {
    pub(crate) fn start() -> TestRegistry {
        assert!(
            Path::new(REGISTRY_BIN).exists(),
            "{REGISTRY_BIN} not found: the image-verify tests need a real OCI registry. \
             Install Debian's package: `apt-get update && apt-get install -y docker-registry` \
             (.ci/run does this)"
        );
        let dir = temp_dir("registry");
        let mut last_err = String::new();
        for _attempt in 0..3 {
            let port = free_port();
            let addr = format!("127.0.0.1:{port}");
            let config = format!(
                "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: {addr}\n",
                dir.join("data").display()
            );
            let cfg = dir.join("config.yml");
            std::fs::write(&cfg, config).expect("write registry config");
            let log = std::fs::File::create(dir.join("registry.log")).expect("registry log");
            let mut child = Command::new(REGISTRY_BIN)
                .arg("serve")
                .arg(&cfg)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::from(log))
                .spawn()
                .expect("spawn docker-registry");
            // Poll until /v2/ answers (no sleeping a fixed time).
            let start = Instant::now();
            while start.elapsed() < Duration::from_secs(15) {
                if let Ok(Some(status)) = child.try_wait() {
                    last_err = format!(
                        "docker-registry exited with {status}: {}",
                        std::fs::read_to_string(dir.join("registry.log")).unwrap_or_default()
                    );
                    break;
                }
                if ping(&addr) {
                    return TestRegistry { child, addr, dir };
                }
                std::thread::sleep(Duration::from_millis(20));
            }
            let _ = child.kill();
            let _ = child.wait();
            if last_err.is_empty() {
                last_err = "docker-registry did not answer on /v2/ within 15 s".into();
            }
        }
        panic!("{last_err}");
    }

    /// Push a fresh image `repo:tag` (content from `seed`); returns (reference, digest).
    pub(crate) fn push_image(&self, repo: &str, tag: &str, seed: &str) -> (String, String) {
        let reference = format!("{}/{repo}:{tag}", self.addr);
        let digest = self
            .pusher()
            .push(&reference, tag, &test_image(seed))
            .expect("push image");
        (reference, digest)
    }

    pub(crate) fn pusher(&self) -> Pusher {
        Pusher::new(&[&self.addr])
    }

    /// Stop the registry now (a "registry down" test keeps its address).
    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for TestRegistry {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn ping(addr: &str) -> bool {
    use std::io::Write as _;
    let Ok(mut s) = TcpStream::connect(addr) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"GET /v2/ HTTP/1.0\r\nHost: x\r\n\r\n")
        .is_err()
    {
        return false;
    }
    let mut buf = [0u8; 12];
    s.read_exact(&mut buf).is_ok() && buf.starts_with(b"HTTP/1.") && &buf[9..12] == b"200"
}

/// A TCP server that accepts connections and never answers (a registry that hangs).
pub(crate) struct StallServer {
    pub(crate) addr: String,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl StallServer {
    pub(crate) fn start() -> StallServer {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind");
        l.set_nonblocking(true).expect("nonblocking");
        let addr = l.local_addr().expect("addr").to_string();
        let stop = Arc::new(AtomicBool::new(false));
        let s2 = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut held = Vec::new();
            let start = Instant::now();
            // Bounded: stops by itself after 60 s even if the test forgets.
            while !s2.load(Ordering::SeqCst) && start.elapsed() < Duration::from_secs(60) {
                if let Ok((c, _)) = l.accept() {
                    held.push(c);
                }
                std::thread::sleep(Duration::from_millis(5));
            }
        });
        StallServer {
            addr,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for StallServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// `signing:` config with the platform key (all) and acme's key (tenant acme only).
pub(crate) fn signing(registry: &str, extra: Value) -> Value {
    let mut v = json!({
        "insecureRegistries": [registry],
        "timeoutMs": 3000,
        "keys": [
            {"name": "platform", "publicKey": platform().public_key_pem()},
            {"name": "acme", "publicKey": acme().public_key_pem(), "tenants": ["acme"]},
        ],
    });
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in e {
            o.insert(k.clone(), x.clone());
        }
    }
    v
}

pub(crate) fn verifier(registry: &str, extra: Value) -> Verifier {
    Verifier::from_config(&signing(registry, extra), Path::new("."), None).expect("verifier")
}

pub(crate) fn ctx<'a>(tenant: &'a str, env: &'a str) -> policy_core::ImageContext<'a> {
    policy_core::ImageContext {
        tenant,
        environment: env,
        tier: "dedicated",
        namespace: "",
    }
}
