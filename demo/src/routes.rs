//! What each path does, once [`crate::guard`] let the request through: pages, the operations'
//! forms and results, the webhook receiver, the bill pages.

use crate::guard::{self, Session};
use crate::http::{Incoming, Reply, url};
use crate::markup::{is_safe_url, link};
use crate::operations::{self, Failure, Outcome, records};
use crate::view::View;
use crate::{Demo, pages, webhook};

/// A record's page: path prefix, title, what finds the record by its number.
type RecordPage = (
    &'static str,
    &'static str,
    fn(&Demo, &str) -> Result<Option<View>, Failure>,
);

/// The pages of refunds and payouts (a bill's page also shows what the demo made of it).
const RECORD_PAGES: &[RecordPage] = &[
    ("/refund/", "Refund", records::refund),
    ("/transfer/", "Payout", records::transfer),
];

/// The reply to a request.
pub fn route(demo: &Demo, incoming: &Incoming) -> Reply {
    let method = incoming.method.as_str();
    let path = incoming.path.as_str();
    let operator = guard::is_operator(demo, incoming);
    match (method, path) {
        ("GET", "/") => Reply::Page(pages::index_page(demo, operator)),
        ("GET", "/operator") => Reply::Page(pages::operator_page(
            demo,
            incoming.form.get("next"),
            incoming.form.get("wrong") == "1",
        )),
        ("POST", "/operator") => enter_operator_token(demo, incoming),
        ("POST", "/webhook") => webhook::receive(demo, &incoming.body),
        ("GET", "/webhooks") => Reply::Page(webhook::received_page(demo)),
        ("GET", "/bill_status") => webhook::bill_status(demo, incoming.form.get("bill_no")),
        ("GET", "/favicon.ico") => not_found(),
        _ => {
            if let Some(section) = path.strip_prefix("/section/") {
                return match (method, operations::section(section)) {
                    ("GET", Some(section)) => {
                        Reply::Page(pages::section_page(demo, section, &incoming.form, operator))
                    }
                    (_, Some(_)) => method_not_allowed(),
                    (_, None) => not_found(),
                };
            }
            if let Some(bill_no) = path.strip_prefix("/return/") {
                return Reply::Page(pages::return_page(bill_no));
            }
            if let Some(bill_no) = path.strip_prefix("/bill/") {
                if method != "GET" {
                    return method_not_allowed();
                }
                let kept = demo.bill_page(bill_no);
                let record = records::bill(demo, bill_no);
                if kept.is_none() && matches!(record, Ok(None)) {
                    return not_found();
                }
                return Reply::Page(pages::bill_page(bill_no, kept.as_ref(), &record));
            }
            for (prefix, title, record) in RECORD_PAGES {
                if let Some(number) = path.strip_prefix(prefix) {
                    return match method {
                        "GET" => Reply::Page(pages::record_page(
                            &format!("{title} {number}"),
                            &record(demo, number),
                        )),
                        _ => method_not_allowed(),
                    };
                }
            }
            if let Some(name) = path.strip_prefix("/op/") {
                let Some(operation) =
                    operations::find(name).filter(|_| operations::available(demo, name))
                else {
                    return not_found();
                };
                return match method {
                    "GET" => Reply::Page(pages::operation_page(
                        demo,
                        operation,
                        &incoming.form,
                        None,
                        operator,
                    )),
                    "POST" => match (operation.run)(demo, incoming) {
                        Ok(Outcome::Redirect(target)) if is_safe_url(&target) => {
                            Reply::Redirect(target)
                        }
                        Ok(Outcome::Redirect(target)) => Reply::Page(pages::layout(
                            "Not followed",
                            &format!(
                                "<p>The reply asked to send you to {}, which is not an http(s) URL: not followed.</p>",
                                link(&target, "this address")
                            ),
                        )),
                        Ok(Outcome::ChannelPage(page)) => Reply::ChannelPage(page),
                        outcome => Reply::Page(pages::operation_page(
                            demo,
                            operation,
                            &incoming.form,
                            Some(outcome),
                            operator,
                        )),
                    },
                    _ => method_not_allowed(),
                };
            }
            not_found()
        }
    }
}

/// `POST /operator`: the operator token entered in this browser (the guard has checked the form
/// came from the demo's own page). Right: on to `next`; wrong: the form again, saying so.
fn enter_operator_token(demo: &Demo, incoming: &Incoming) -> Reply {
    let session = Session::of(incoming);
    let next = incoming.form.get("next");
    if !session.is_new && demo.admit_operator(&session.id, incoming.form.get("operator_token")) {
        let own_page = next.starts_with('/') && is_safe_url(next);
        return Reply::Redirect(if own_page {
            next.to_string()
        } else {
            "/".into()
        });
    }
    Reply::Redirect(url("/operator", &[("next", next), ("wrong", "1")]))
}

fn not_found() -> Reply {
    Reply::Body {
        status: 404,
        content_type: "text/html; charset=utf-8",
        body: pages::layout(
            "Not found",
            &format!("<p>No such page. {}.</p>", link("/", "Back to the index")),
        ),
    }
}

fn method_not_allowed() -> Reply {
    Reply::text(405, "method not allowed")
}
