//! Transport control over real HTTP on 127.0.0.1: proxies (explicit, from the environment with
//! `NO_PROXY`, direct; loopback never proxied), a caller's own agent, and `fetch_open_id_with`
//! against a local WeChat stand-in. No call leaves this machine: hosts other than 127.0.0.1 are
//! only ever reached through the local stand-in proxy, which answers for them.

use crate::support;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::thread;

use beecloud::BCError;
use beecloud::entity::{BCApp, BCProxy};
use beecloud::{user, utils};
use serde_json::json;
use support::{CaptureServer, Reply};

/// A host no DNS lookup is made for: only the proxy sees its name.
const REMOTE_HOST: &str = "http://api.beecloud.test";

/// A CONNECT proxy on 127.0.0.1 that plays the remote host itself: it records each tunnel's target
/// and the request line sent through it, and answers a success envelope.
struct StandInProxy {
    port: u16,
    /// `(CONNECT target, tunnelled request line)` per connection.
    seen: Arc<Mutex<Vec<(String, String)>>>,
}

impl StandInProxy {
    fn start() -> StandInProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let record = Arc::clone(&seen);
        thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let record = Arc::clone(&record);
                thread::spawn(move || tunnel(stream, &record));
            }
        });
        StandInProxy { port, seen }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn seen(&self) -> Vec<(String, String)> {
        self.seen.lock().unwrap().clone()
    }
}

/// Reads a head; returns its first line and its `content-length`.
fn read_head(reader: &mut impl BufRead) -> Option<(String, usize)> {
    let mut first = String::new();
    reader.read_line(&mut first).ok()?;
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            return Some((first.trim_end().to_string(), length));
        }
        if let Some((name, value)) = line.split_once(':') {
            if name.eq_ignore_ascii_case("content-length") {
                length = value.trim().parse().ok()?;
            }
        }
    }
}

/// Serves one tunnel, recording it before answering (so a caller who got the answer sees it).
fn tunnel(stream: TcpStream, record: &Mutex<Vec<(String, String)>>) -> Option<()> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut writer = stream;
    let (connect, _) = read_head(&mut reader)?;
    let target = connect
        .strip_prefix("CONNECT ")?
        .split(' ')
        .next()?
        .to_string();
    writer
        .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
        .ok()?;
    let (request_line, length) = read_head(&mut reader)?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let envelope = r#"{"result_code":0,"result_msg":"OK","err_detail":""}"#;
    let reply = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{envelope}",
        envelope.len()
    );
    record.lock().unwrap().push((target, request_line));
    writer.write_all(reply.as_bytes()).ok()
}

fn ok_envelope() -> Reply {
    Reply::ok(json!({"result_code": 0, "result_msg": "OK", "err_detail": ""}))
}

#[test]
fn an_explicit_proxy_carries_calls_to_other_hosts() {
    let proxy = StandInProxy::start();
    let mut app = BCApp::new(support::APP_ID, support::APP_SECRET, support::MASTER_SECRET);
    app.api_host = REMOTE_HOST.into();
    app.set_proxy(BCProxy::Url(proxy.url())).unwrap();
    user::add_merchant_user(&app, "buyer-1").unwrap();
    assert_eq!(
        proxy.seen(),
        [(
            "api.beecloud.test:80".to_string(),
            "POST /2/rest/user HTTP/1.1".to_string()
        )]
    );
}

#[test]
fn loopback_hosts_are_never_proxied() {
    let target = CaptureServer::always(ok_envelope());
    let proxy = StandInProxy::start();
    let mut app = support::bc_app(&target);
    app.set_proxy(BCProxy::Url(proxy.url())).unwrap();
    user::add_merchant_user(&app, "buyer-1").unwrap();
    app.api_host = target.url().replace("127.0.0.1", "localhost");
    user::add_merchant_user(&app, "buyer-2").unwrap();
    assert_eq!(target.requests().len(), 2);
    assert!(proxy.seen().is_empty());
}

const CHILD_FLAG: &str = "BEECLOUD_TRANSPORT_CHILD";

#[test]
fn the_environment_proxy_is_used_except_for_no_proxy_hosts_and_direct_apps() {
    let proxy = StandInProxy::start();
    let output = Command::new(std::env::current_exe().unwrap())
        .args([
            &support::test_path(module_path!(), "child_with_proxy_environment"),
            "--exact",
            "--nocapture",
        ])
        .env(CHILD_FLAG, "1")
        .env_remove("ALL_PROXY")
        .env_remove("all_proxy")
        .env_remove("no_proxy")
        .env("HTTPS_PROXY", proxy.url())
        .env("HTTP_PROXY", proxy.url())
        .env("NO_PROXY", "127.0.0.2, other.example")
        .output()
        .expect("re-run the test binary");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success() && stdout.contains("child ran") && stdout.contains("1 passed"),
        "child failed or did not run:\n{stdout}\n{stderr}"
    );
    // Only the call to the remote host went through the proxy.
    assert_eq!(
        proxy.seen(),
        [(
            "api.beecloud.test:80".to_string(),
            "POST /2/rest/user HTTP/1.1".to_string()
        )]
    );
}

#[test]
fn child_with_proxy_environment() {
    if std::env::var(CHILD_FLAG).is_err() {
        return; // only meaningful with the proxy environment of the test above
    }
    println!("child ran");
    let mut app = BCApp::new(support::APP_ID, support::APP_SECRET, support::MASTER_SECRET);
    assert_eq!(app.proxy(), Some(&BCProxy::FromEnv));
    app.api_host = REMOTE_HOST.into();
    user::add_merchant_user(&app, "via-proxy").expect("through the environment's proxy");

    // NO_PROXY: connected directly, to a port where nothing listens.
    app.api_host = "http://127.0.0.2:1".into();
    let refused = user::add_merchant_user(&app, "direct").unwrap_err();
    assert!(matches!(refused, BCError::Connect { .. }), "{refused:?}");

    // Direct: not even other hosts go through the proxy.
    app.set_proxy(BCProxy::Direct).unwrap();
    app.api_host = "http://127.0.0.3:1".into();
    let refused = user::add_merchant_user(&app, "direct").unwrap_err();
    assert!(matches!(refused, BCError::Connect { .. }), "{refused:?}");

    // The emulator's app reaches the emulator whatever the environment says.
    #[cfg(feature = "emulator")]
    {
        let emu = beecloud::emulator::Emulator::start().unwrap();
        user::add_merchant_user(&emu.bc_app(), "emulated").expect("the emulator, not the proxy");
    }
}

#[test]
fn an_own_agent_still_reads_error_envelopes_and_is_bounded() {
    // ureq's defaults turn 4xx into errors; the SDK must still read BeeCloud's 4xx envelopes.
    let server = CaptureServer::always(Reply::json(
        400,
        &json!({"result_code": 17, "result_msg": "BILL_NO_DUPLICATE", "err_detail": "again"}),
    ));
    let mut app = support::bc_app(&server);
    app.set_agent(ureq::Agent::new_with_defaults());
    let err = user::add_merchant_user(&app, "buyer-1").unwrap_err();
    assert!(err.is_duplicate(), "{err:?}");
    assert_eq!(err.err_detail(), "again");

    let slow = CaptureServer::always(Reply::slow(std::time::Duration::from_secs(5)));
    let mut app = support::bc_app(&slow);
    app.set_agent(ureq::Agent::new_with_defaults());
    app.timeout = Some(std::time::Duration::from_millis(200).into());
    let err = user::add_merchant_user(&app, "buyer-1").unwrap_err();
    assert!(matches!(err, BCError::Timeout { .. }), "{err:?}");
}

#[test]
fn configure_agent_keeps_the_sdk_settings() {
    let server = CaptureServer::always(Reply::json(
        400,
        &json!({"result_code": 5, "result_msg": "PARAM_INVALID", "err_detail": "x"}),
    ));
    let mut app = support::bc_app(&server);
    app.configure_agent(|config| config.max_idle_connections_per_host(1));
    let err = user::add_merchant_user(&app, "buyer-1").unwrap_err();
    assert!(err.is_param_error(), "{err:?}");
    let request = server.single_request();
    assert!(
        request
            .header("user-agent")
            .is_some_and(|agent| agent.starts_with("beecloud-rust/")),
        "{request:?}"
    );
}

#[test]
fn fetch_open_id_with_a_local_wechat_stand_in() {
    let wechat = CaptureServer::start([
        Reply::ok(json!({"openid": "o3kK", "access_token": "t"})),
        Reply::ok(json!({"errcode": 40029, "errmsg": "invalid code"})),
    ]);
    let mut app = BCApp::default();
    app.wechat_api_host = wechat.url() + "/";
    assert_eq!(
        utils::fetch_open_id_with(&app, "wxid", "wx secret", "CODE+1").unwrap(),
        "o3kK"
    );
    let err = utils::fetch_open_id_with(&app, "wxid", "wx secret", "bad").unwrap_err();
    assert!(
        matches!(err, BCError::WeChat { errcode: 40029, .. }),
        "{err:?}"
    );
    let requests = wechat.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].method, "GET");
    assert_eq!(requests[0].path, "/sns/oauth2/access_token");
    assert_eq!(
        requests[0].query_pairs(),
        [
            ("appid".to_string(), "wxid".to_string()),
            ("secret".into(), "wx secret".into()),
            ("grant_type".into(), "authorization_code".into()),
            ("code".into(), "CODE+1".into()),
        ]
    );

    app.wechat_api_host = "api.weixin.qq.com".into();
    let err = utils::fetch_open_id_with(&app, "wxid", "s", "c").unwrap_err();
    assert!(matches!(err, BCError::NotConfigured { .. }), "{err:?}");
    assert_eq!(wechat.requests().len(), 2, "nothing sent");
}

#[test]
fn fetch_open_id_errors_never_show_the_wechat_secret() {
    let mut app = BCApp::default();
    // Bad URIs and a refused connection: no error text may carry the secret in the URL's query.
    for host in [
        "http://127.0.0.1:1/a b",
        "http://",
        "https://[::1",
        "http://127.0.0.1:1",
    ] {
        app.wechat_api_host = host.into();
        let err = utils::fetch_open_id_with(&app, "wxid", "WXSECRET123", "code").unwrap_err();
        let shown = format!("{err} {err:?} {:?}", std::error::Error::source(&err));
        assert!(!shown.contains("WXSECRET123"), "{host}: {shown}");
    }
}
