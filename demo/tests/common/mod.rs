//! What the HTTP tests share: a demo on port 0 and a client that behaves like one browser tab
//! (keeps the session cookie, sends the CSRF token and its own `Origin` with every form).

#![allow(dead_code)] // Each test file uses a part.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use beecloud::emulator::EmulatorConfig;
use demo::{Credentials, DemoConfig, Running, start};

/// A demo with its embedded emulator (fast webhook retries).
pub fn start_demo() -> Running {
    start(DemoConfig {
        port: 0,
        emulator: EmulatorConfig {
            webhook_time_scale: 0.001,
            ..EmulatorConfig::default()
        },
        ..DemoConfig::default()
    })
    .expect("the demo starts")
}

/// "Real" credentials (anything but the embedded emulator's) for the BeeCloud at `api_host`.
pub fn credentials(api_host: &str) -> Credentials {
    Credentials {
        app_id: "real-app-id".into(),
        app_secret: "real-app-secret".into(),
        master_secret: "real-master-secret".into(),
        test_secret: "real-test-secret".into(),
        test_mode: false,
        api_host: Some(api_host.into()),
    }
}

/// A demo with "real" credentials talking to `api_host`.
pub fn start_with_credentials(api_host: &str) -> Running {
    start(DemoConfig {
        port: 0,
        credentials: Some(credentials(api_host)),
        ..DemoConfig::default()
    })
    .expect("the demo starts")
}

/// An agent that reports every status and follows no redirect (the tests look at them).
pub fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .max_redirects(0)
        .timeout_global(Some(Duration::from_secs(20)))
        .build()
        .into()
}

/// One response: status, `Location`, body.
pub struct Answer {
    pub status: u16,
    pub location: Option<String>,
    pub body: String,
}

fn answer(mut response: ureq::http::Response<ureq::Body>) -> Answer {
    let location = response
        .headers()
        .get("location")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    Answer {
        status: response.status().as_u16(),
        location,
        body: response
            .body_mut()
            .with_config()
            .limit(64 << 20)
            .read_to_string()
            .expect("a text body"),
    }
}

/// A loopback stand-in for BeeCloud: answers every request with the same JSON, counting them.
pub struct StandIn {
    pub url: String,
    requests: Arc<AtomicUsize>,
}

impl StandIn {
    /// Requests received whole so far.
    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

/// A server answering every request with `reply` (HTTP 200, JSON), for the demo to call.
pub fn fixed_reply_server(reply: String) -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("address"));
    let requests = Arc::new(AtomicUsize::new(0));
    let counter = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (reply, counter) = (reply.clone(), counter.clone());
            std::thread::spawn(move || answer_every_request(stream, &reply, &counter));
        }
    });
    StandIn { url, requests }
}

fn answer_every_request(mut stream: TcpStream, reply: &str, counter: &AtomicUsize) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut request = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(read) = stream.read(&mut chunk) else {
            return;
        };
        if read == 0 {
            return;
        }
        request.extend_from_slice(&chunk[..read]);
        let text = String::from_utf8_lossy(&request);
        let Some(head_end) = text.find("\r\n\r\n") else {
            continue;
        };
        let length = text[..head_end]
            .lines()
            .find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("content-length")
                    .then(|| value.trim().parse::<usize>().ok())?
            })
            .unwrap_or(0);
        if request.len() < head_end + 4 + length {
            continue;
        }
        counter.fetch_add(1, Ordering::SeqCst);
        let response = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{reply}",
            reply.len()
        );
        let _ = stream.write_all(response.as_bytes());
        return;
    }
}

/// A GET without cookies.
pub fn get(url: &str) -> Answer {
    answer(agent().get(url).call().expect("GET answered"))
}

/// A browser tab: the session cookie from its first page and the CSRF token of its forms.
pub struct Browser {
    pub base: String,
    pub cookie: String,
    pub token: String,
}

impl Browser {
    /// Opens the index page, as a person would first.
    pub fn open(base: &str) -> Browser {
        let response = agent().get(&format!("{base}/")).call().expect("GET /");
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.split(';').next())
            .expect("a session cookie")
            .to_string();
        let page = answer(response).body;
        let token = attribute_after(&page, "name=\"csrf_token\"", "value");
        assert_eq!(token.len(), 32, "{token}");
        Browser {
            base: base.to_string(),
            cookie,
            token,
        }
    }

    /// Enters the operator token `running` printed (real credentials), as the person who
    /// started the demo would.
    pub fn become_operator(&self, running: &Running) {
        let token = running
            .generated_operator_token()
            .expect("a generated operator token");
        let answer = self.post("/operator", &[("operator_token", token), ("next", "/")]);
        assert_eq!(answer.location.as_deref(), Some("/"), "{}", answer.body);
    }

    /// GET `path` with the session cookie.
    pub fn get(&self, path: &str) -> Answer {
        answer(
            agent()
                .get(&format!("{}{path}", self.base))
                .header("Cookie", &self.cookie)
                .call()
                .expect("GET answered"),
        )
    }

    /// POSTs a form from one of the demo's pages (cookie, token, `Origin`); no redirect followed.
    pub fn post(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let origin = self.base.clone();
        self.post_as(path, fields, Some(&origin), true)
    }

    /// POSTs a form and follows a redirect to the demo's own pages.
    pub fn submit(&self, path: &str, fields: &[(&str, &str)]) -> Answer {
        let answer = self.post(path, fields);
        match (&answer.status, &answer.location) {
            (303, Some(location)) if location.starts_with('/') => self.get(location),
            _ => answer,
        }
    }

    /// POSTs a form from wherever `origin` says, with or without the token.
    pub fn post_as(
        &self,
        path: &str,
        fields: &[(&str, &str)],
        origin: Option<&str>,
        with_token: bool,
    ) -> Answer {
        let mut fields = fields.to_vec();
        if with_token {
            fields.push(("csrf_token", &self.token));
        }
        let mut request = agent()
            .post(&format!("{}{path}", self.base))
            .header("Cookie", &self.cookie);
        if let Some(origin) = origin {
            request = request.header("Origin", origin);
        }
        answer(request.send_form(fields).expect("POST answered"))
    }
}

/// The value of `attribute="…"` right after `marker` in `html` (HTML entities of URLs undone).
pub fn attribute_after(html: &str, marker: &str, attribute: &str) -> String {
    let start = html
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} not in {html}"));
    let rest = &html[start..];
    let key = format!("{attribute}=\"");
    let value_start = rest.find(&key).expect("the attribute") + key.len();
    let value_end = value_start + rest[value_start..].find('"').expect("a closing quote");
    rest[value_start..value_end].replace("&amp;", "&")
}

pub fn wait_until(what: &str, mut condition: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}
