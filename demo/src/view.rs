//! What an operation shows, as data: paragraphs of text, links and buttons, tables, amounts,
//! times, QR codes, replies. The operations build a [`View`]; [`crate::markup::render`] turns it
//! into HTML (escaping everything, making links of safe URLs only).

use serde_json::{Map, Value};

use beecloud::entity::BCTransferStatus;

use crate::http::url;

/// A piece of a line.
#[derive(Clone, Debug, PartialEq)]
pub enum Inline {
    /// Plain text.
    Text(String),
    /// Code or an identifier.
    Code(String),
    /// Emphasised text.
    Strong(String),
    /// A good outcome (paid, refunded, settled…).
    Good(String),
    /// A link (made one only when the target is an http(s) URL or a path of the demo).
    Link {
        /// Where to.
        target: String,
        /// What the person sees.
        label: String,
    },
    /// A one-button form POSTing hidden fields (an action that changes something).
    Post {
        /// The demo's path to POST to.
        action: String,
        /// Hidden fields.
        fields: Vec<(String, String)>,
        /// The button's text.
        label: String,
    },
    /// An amount in fen, shown in yuan.
    Amount(i64),
    /// A time (ms since the epoch), shown in Beijing time.
    Time(i64),
}

impl Inline {
    /// Plain text.
    pub fn text(text: impl Into<String>) -> Inline {
        Inline::Text(text.into())
    }

    /// Code or an identifier.
    pub fn code(text: impl Into<String>) -> Inline {
        Inline::Code(text.into())
    }

    /// A link to `target`.
    pub fn link(target: impl Into<String>, label: impl Into<String>) -> Inline {
        Inline::Link {
            target: target.into(),
            label: label.into(),
        }
    }

    /// A link to one of the demo's pages with query parameters.
    pub fn page(path: &str, params: &[(&str, &str)], label: impl Into<String>) -> Inline {
        Inline::link(url(path, params), label)
    }

    /// A button POSTing `fields` to `action`.
    pub fn post(action: &str, fields: &[(&str, &str)], label: impl Into<String>) -> Inline {
        Inline::Post {
            action: action.to_string(),
            fields: fields
                .iter()
                .map(|(name, value)| (name.to_string(), value.to_string()))
                .collect(),
            label: label.into(),
        }
    }
}

/// A table cell: a line of pieces.
pub type Cell = Vec<Inline>;

/// A cell of plain text.
pub fn cell(text: impl Into<String>) -> Cell {
    vec![Inline::text(text)]
}

/// A refund's state as the lists and its page say it.
pub fn refund_state(finish: Option<bool>, result: Option<bool>) -> Inline {
    match (finish, result) {
        (Some(true), Some(true)) => Inline::Good("refunded".into()),
        (Some(true), _) => Inline::text("failed"),
        _ => Inline::text("processing"),
    }
}

/// A payout's status, a success marked as one.
pub fn payout_status(status: Option<&BCTransferStatus>) -> Cell {
    match status {
        Some(BCTransferStatus::SUCCESS) => vec![Inline::Good("SUCCESS".into())],
        other => cell(other.map(BCTransferStatus::as_str).unwrap_or_default()),
    }
}

/// A block of a view.
#[derive(Clone, Debug, PartialEq)]
pub enum Block {
    /// A paragraph.
    Line(Vec<Inline>),
    /// One value shown large (a count, a status).
    Big(String),
    /// A table.
    Table {
        /// Column headings.
        headers: Vec<String>,
        /// Rows of cells.
        rows: Vec<Vec<Cell>>,
    },
    /// Every field of a reply, open or folded away.
    Reply {
        /// The reply as received.
        raw: Map<String, Value>,
        /// Folded under a "whole reply" toggle (the tables above already show it).
        folded: bool,
    },
    /// The QR code of a `code_url` with the amount, the payment link and the live status.
    QrPayment {
        /// The bill.
        bill_no: String,
        /// Amount in fen.
        fee: i64,
        /// The code's content.
        code: String,
    },
    /// A framed group of blocks with an amount on top (a bill the demo created).
    Bill {
        /// Amount in fen.
        fee: i64,
        /// What follows the amount.
        blocks: Vec<Block>,
    },
    /// The bill's status, kept live by polling `/bill_status`.
    BillStatus(String),
    /// The WX_JSAPI parameters and the page script handing them to WeChat.
    Jsapi(Vec<(String, String)>),
    /// A small form POSTing hidden fields and a few inputs (an action that changes something).
    Form {
        /// The demo's path to POST to.
        action: String,
        /// Hidden fields.
        hidden: Vec<(String, String)>,
        /// Inputs: name, label, value.
        inputs: Vec<(String, String, String)>,
        /// The button's text.
        button: String,
    },
    /// A note shown while the bill is unpaid; the page reloads when the live status turns paid
    /// (to show what a paid bill offers).
    ReloadWhenPaid(String),
    /// Facts about one record: label and value, one per row.
    Facts(Vec<(String, Cell)>),
}

/// What an operation shows.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct View(pub Vec<Block>);

impl View {
    /// An empty view.
    pub fn new() -> View {
        View::default()
    }

    /// Adds a block.
    pub fn push(&mut self, block: Block) -> &mut View {
        self.0.push(block);
        self
    }

    /// Adds a paragraph.
    pub fn line(&mut self, pieces: Vec<Inline>) -> &mut View {
        self.push(Block::Line(pieces))
    }

    /// Adds a paragraph of plain text.
    pub fn say(&mut self, text: impl Into<String>) -> &mut View {
        self.line(vec![Inline::text(text)])
    }

    /// Adds a value shown large.
    pub fn big(&mut self, text: impl Into<String>) -> &mut View {
        self.push(Block::Big(text.into()))
    }

    /// Adds a table.
    pub fn table(&mut self, headers: &[&str], rows: Vec<Vec<Cell>>) -> &mut View {
        self.push(Block::Table {
            headers: headers.iter().map(|header| header.to_string()).collect(),
            rows,
        })
    }

    /// Adds every field of a reply.
    pub fn reply(&mut self, raw: &Map<String, Value>, folded: bool) -> &mut View {
        self.push(Block::Reply {
            raw: raw.clone(),
            folded,
        })
    }

    /// The view, built.
    pub fn done(&mut self) -> View {
        std::mem::take(self)
    }
}
