//! Bills: online pay (live and sandbox), offline pay / status / revert, international (PayPal) pay, BC_EXPRESS
//! confirmation, reconciliation, and paying a bill.

use serde_json::{Map, Value, json};

use super::core;
use super::core::{
    ApiError, BILL_NO_DUPLICATE, Call, NO_SUCH_BILL, Namespace, PARAM_INVALID, Reply, payload,
    require,
};
use super::coupons;
use super::error::EmulatorError;
use super::express;
use super::store::{Bill, Store, WebhookEvent};
use super::validate::{
    CURRENCIES, INTERNATIONAL_CHANNELS, OFFLINE_CHANNELS, PAY_CHANNELS, REVERT_CHANNELS,
    SCAN_CHANNELS, YEE_CARD_KINDS, alnum, alnum_field, beijing_date, channel_enabled, http_url,
    max_chars, new_id, optional_channel, optional_map, parent, positive, required_channel, title,
};

/// Fields a channel additionally requires on `rest/bill` (the REST doc's table, plus what the PHP SDK checks).
fn pay_conditionals(channel: &str) -> &'static [&'static str] {
    match channel {
        // BC_ALI_WEB, JD_B2B and BC_WX_WAP (since 2017-01-12) need one too: the PHP SDK requires it for them.
        "ALI_WEB" | "UN_WEB" | "JD_WAP" | "JD_WEB" | "BC_ALI_WEB" => &["return_url"],
        // As the PHP and Java SDKs send them: JD_B2B a bank_code, BC_ALI_JSAPI an openid, BC_CARD_CHARGE a card_id.
        "JD_B2B" => &["return_url", "bank_code"],
        "BC_ALI_JSAPI" => &["openid"],
        "BC_CARD_CHARGE" => &["card_id"],
        "ALI_QRCODE" => &["return_url", "qr_pay_mode"],
        "WX_JSAPI" | "BC_WX_JSAPI" | "WX_MINI" => &["openid"],
        "WX_WAP" => &["analysis"],
        "BC_WX_WAP" => &["analysis", "return_url"],
        "YEE_WAP" => &["identity_id"],
        "YEE_NOBANKCARD" => &["cardno", "cardpwd", "frqid"],
        // Its return_url depends on the knob `gateway_return_url_always` (see `pay`).
        "BC_GATEWAY" => &["bank"],
        "BC_EXPRESS" => &["buyer_id"],
        _ => &[],
    }
}

/// POST `rest/bill` and `rest/sandbox/bill`.
pub(crate) fn pay(store: &mut Store, call: &Call) -> Reply {
    let channel = required_channel(call, PAY_CHANNELS)?;
    channel_enabled(store, call, channel)?;
    require(call, &["total_fee", "bill_no", "title"])?;
    require(call, pay_conditionals(channel))?;
    // The PHP SDK always requires BC_GATEWAY's return_url (the default), the REST doc on the JD route only (a
    // `card_type` sent); what the live server did is unknown, hence the knob.
    if channel == "BC_GATEWAY"
        && (store.app.gateway_return_url_always
            || call.str("card_type")?.is_some_and(|c| !c.is_empty()))
    {
        require(call, &["return_url"])?;
    }
    if matches!(channel, "WX_WAP" | "BC_WX_WAP") {
        let has_ip = call
            .map("analysis")?
            .and_then(|a| a.get("ip"))
            .is_some_and(|ip| ip.as_str() != Some(""));
        if !has_ip {
            return Err(ApiError::missing("analysis.ip"));
        }
    }
    let input = BillInput::read(call, 0)?;
    if let Some(url) = http_url(call, "return_url")? {
        if url.contains('#') || url.contains('?') {
            return Err(ApiError::invalid("return_url", "must not contain # or ?"));
        }
    }
    if let Some(timeout) = call.int("bill_timeout")? {
        if timeout <= 0 {
            return Err(ApiError::invalid("bill_timeout", "must be > 0"));
        }
        if channel.starts_with("JD_") {
            return Err(ApiError::invalid(
                "bill_timeout",
                "is not supported by JD channels",
            ));
        }
    }
    if channel == "ALI_QRCODE" && !matches!(call.str("qr_pay_mode")?, Some("0" | "1" | "3")) {
        return Err(ApiError::invalid(
            "qr_pay_mode",
            "must be \"0\", \"1\" or \"3\"",
        ));
    }
    if channel == "YEE_WAP" && !call.str("identity_id")?.is_some_and(|id| alnum(id, 1, 50)) {
        return Err(ApiError::invalid(
            "identity_id",
            "must be at most 50 letters or digits",
        ));
    }
    if channel == "YEE_NOBANKCARD"
        && !call
            .str("frqid")?
            .is_some_and(|f| YEE_CARD_KINDS.contains(&f))
    {
        return Err(ApiError::invalid("frqid", "unknown prepaid card kind"));
    }
    check_huabei(&input.optional)?;
    match channel {
        "BC_CARD_CHARGE" => super::cards::check_signed_card(store, call)?,
        "BC_GATEWAY" => super::payouts::check_gateway_bank(store, call)?,
        _ => {}
    }
    let mut bill = input.into_bill(store, call, channel)?;
    // BC_ALI_WAP takes no return_url (the PHP SDK's list leaves it out); one sent is ignored.
    if channel != "BC_ALI_WAP" {
        bill.return_url = call.str("return_url")?.map(str::to_owned);
    }
    bill.bill_timeout = call.int("bill_timeout")?;
    if channel == "BC_EXPRESS" {
        express::start(store, call, &mut bill)?;
    }
    let payload = if call.ns == Namespace::Sandbox && !store.app.sandbox_live_payloads {
        sandbox_payload(store, &bill, channel)
    } else {
        online_payload(store, &bill, channel)
    };
    store.insert_bill(bill);
    Ok(payload)
}

/// The sandbox answers every channel with `id` + `url`, its mock cashier (the Java and .NET SDKs build their
/// sandbox pages from it), with a query string of non-empty `k=v` pairs (Java splits it on `?`, `&` and `=`).
fn sandbox_payload(store: &Store, bill: &Bill, channel: &str) -> Map<String, Value> {
    let url = format!(
        "{}?bill_no={}&channel={}",
        core::page_url(&store.base_url, &bill.id),
        core::form_encode(&bill.bill_no),
        core::form_encode(channel)
    );
    into_map(json!({ "id": bill.id, "url": url }))
}

/// `optional.hb_fq_num` / `optional.hb_fq_seller_percent` (Huabei instalments).
fn check_huabei(optional: &Value) -> Result<(), ApiError> {
    let rules: [(&str, &[&str]); 2] = [
        ("hb_fq_num", &["3", "6", "12"]),
        ("hb_fq_seller_percent", &["100", "0"]),
    ];
    for (key, allowed) in rules {
        if let Some(value) = optional.get(key) {
            if !value.as_str().is_some_and(|v| allowed.contains(&v)) {
                return Err(ApiError::invalid(
                    &format!("optional.{key}"),
                    &format!("must be one of {allowed:?}"),
                ));
            }
        }
    }
    Ok(())
}

/// The channel-specific success payload of online pay; every page is the emulator's.
fn online_payload(store: &mut Store, bill: &Bill, channel: &str) -> Map<String, Value> {
    let page = core::page_url(&store.base_url, &bill.id);
    let form = core::auto_submit_form(&page);
    let serial = store.next_serial();
    let timestamp = store.now_ms().to_string();
    let nonce = format!("{:032X}", u128::from(serial) * 0x9E37_79B9_7F4A_7C15);
    let prepay_id = format!("wx{}{serial:010}", beijing_date(store.now_ms()));
    let mut payload = match channel {
        "WX_APP" | "BC_WX_APP" => json!({
            "app_id": "wxemulator0000001", "partner_id": "1900000109", "package": "Sign=WXPay",
            "nonce_str": nonce, "timestamp": timestamp, "pay_sign": fake_sign(&bill.id), "prepay_id": prepay_id,
        }),
        // BC_QQ_NATIVE, BC_JD_QRCODE and BC_ALI_WAP answer a code_url too (the PHP SDK's demo reads it).
        "WX_NATIVE" | "BC_NATIVE" | "BC_ALI_QRCODE" | "BC_QQ_NATIVE" | "BC_JD_QRCODE"
        | "BC_ALI_WAP" => {
            json!({ "code_url": page })
        }
        "WX_JSAPI" | "BC_WX_JSAPI" | "WX_MINI" | "BC_WX_MINI" => json!({
            "app_id": "wxemulator0000001", "package": format!("prepay_id={prepay_id}"), "nonce_str": nonce,
            "timestamp": timestamp, "pay_sign": fake_sign(&bill.id), "sign_type": "MD5",
        }),
        "ALI_APP" | "BC_ALI_APP" => json!({
            "order_string": format!("app_id=2016000000000000&biz_content=%7B%22out_trade_no%22%3A%22{}%22%7D&sign={}",
                bill.bill_no, fake_sign(&bill.id)),
        }),
        "ALI_WEB" | "ALI_WAP" | "ALI_QRCODE" => json!({ "html": form, "url": page }),
        "ALI_OFFLINE_QRCODE" => json!({ "qr_code": page }),
        "UN_APP" => json!({ "tn": format!("{}{serial:06}", beijing_date(store.now_ms())) }),
        "UN_WEB" | "UN_WAP" | "JD_WAP" | "JD_WEB" | "JD_B2B" | "KUAIQIAN_WAP" | "KUAIQIAN_WEB" => {
            json!({ "html": form })
        }
        "BD_APP" => {
            json!({ "orderInfo": format!("order_no={}&sign={}", bill.bill_no, fake_sign(&bill.id)) })
        }
        "BC_EXPRESS" => json!({ "token": bill.token }),
        "BC_ALI_JSAPI" => {
            json!({ "trade_no": format!("ALI{}{serial:08}", beijing_date(store.now_ms())) })
        }
        _ => json!({ "url": page }),
    };
    payload["id"] = bill.id.clone().into();
    into_map(payload)
}

fn fake_sign(seed: &str) -> String {
    super::core::md5_hex(seed).to_ascii_uppercase()
}

fn into_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        _ => Map::new(),
    }
}

/// The fields every kind of bill reads the same way.
struct BillInput {
    bill_fee: i64,
    bill_no: String,
    title: String,
    optional: Value,
    notify_url: Option<String>,
    coupon_id: Option<String>,
    buyer_id: Option<String>,
    seller_id: Option<String>,
    store_id: Option<String>,
    operator_id: Option<String>,
}

impl BillInput {
    /// Format checks of the common fields (`required` checks ran before). `max_ids` > 0 caps `store_id` (offline).
    fn read(call: &Call, max_ids: usize) -> Result<BillInput, ApiError> {
        let bill_fee = positive(call, "total_fee")?;
        let bill_no = alnum_field(call, "bill_no", 8, 32)?.to_owned();
        let title = title(call)?.to_owned();
        let notify_url = http_url(call, "notify_url")?.map(str::to_owned);
        let optional = optional_map(call)?;
        let text = |name: &str| {
            call.str(name)
                .map(|v| v.filter(|s| !s.is_empty()).map(str::to_owned))
        };
        let store_id = if max_ids > 0 {
            max_chars(call, "store_id", max_ids)?.map(str::to_owned)
        } else {
            text("store_id")?
        };
        Ok(BillInput {
            bill_fee,
            bill_no,
            title,
            optional,
            notify_url,
            coupon_id: text("coupon_id")?,
            buyer_id: text("buyer_id")?,
            seller_id: text("seller_id")?,
            store_id,
            operator_id: text("operator_id")?,
        })
    }

    /// State checks (17 duplicate `bill_no`, coupon) and the new, unpaid bill.
    fn into_bill(self, store: &Store, call: &Call, channel: &str) -> Result<Bill, ApiError> {
        if store
            .bill_index_by_no(call.app_id, call.ns, &self.bill_no)
            .is_some()
        {
            return Err(ApiError::new(
                BILL_NO_DUPLICATE,
                format!("bill_no {} is already used", self.bill_no),
            ));
        }
        let discount = match &self.coupon_id {
            Some(coupon_id) => coupons::check_for_bill(
                store,
                call.app_id,
                coupon_id,
                self.buyer_id.as_deref(),
                self.bill_fee,
                call.now_ms,
            )?,
            None => 0,
        };
        Ok(Bill {
            id: new_id(),
            app_id: call.app_id.to_owned(),
            ns: call.ns,
            bill_no: self.bill_no,
            channel: parent(channel).to_owned(),
            sub_channel: channel.to_owned(),
            title: self.title,
            bill_fee: self.bill_fee,
            discount,
            total_fee: self.bill_fee - discount,
            coupon_id: self.coupon_id,
            optional: self.optional,
            buyer_id: self.buyer_id,
            seller_id: self.seller_id,
            store_id: self.store_id,
            operator_id: self.operator_id,
            notify_url: self.notify_url,
            return_url: None,
            bill_timeout: None,
            currency: None,
            token: None,
            create_time: call.now_ms,
            spay_result: false,
            trade_no: String::new(),
            message_detail: Value::Object(Map::new()),
            revert_result: false,
            refund_result: false,
        })
    }
}

/// POST `rest/offline/bill`.
pub(crate) fn offline_pay(store: &mut Store, call: &Call) -> Reply {
    // `SCAN` (the only value PHP's offline pay accepts) is an alias of `BC_SCAN`; the payload's `channel_type` is
    // unchanged.
    let channel = match call.str("channel")? {
        Some("SCAN") => "BC_SCAN",
        _ => required_channel(call, OFFLINE_CHANNELS)?,
    };
    channel_enabled(store, call, channel)?;
    require(call, &["total_fee", "bill_no", "title"])?;
    let scan = SCAN_CHANNELS.contains(&channel);
    if scan {
        require(call, &["auth_code"])?;
    }
    let input = BillInput::read(call, 32)?;
    max_chars(call, "terminal_id", 32)?;
    // BC_SCAN: the server tells from the payer's code which wallet it is (WeChat codes start with 1).
    let resolved = match channel {
        "BC_SCAN" if call.str("auth_code")?.is_some_and(|c| c.starts_with('1')) => "BC_WX_SCAN",
        "BC_SCAN" => "BC_ALI_SCAN",
        other => other,
    };
    let bill = input.into_bill(store, call, resolved)?;
    let mut payload = Map::new();
    payload.insert("id".into(), bill.id.clone().into());
    if matches!(
        channel,
        "WX_NATIVE" | "ALI_OFFLINE_QRCODE" | "BC_ALI_QRCODE"
    ) {
        // The return table says code_url, the scenario prose qr_code: send both.
        let page = core::page_url(&store.base_url, &bill.id);
        payload.insert("code_url".into(), page.clone().into());
        payload.insert("qr_code".into(), page.into());
    }
    if channel == "BC_SCAN" {
        payload.insert(
            "channel_type".into(),
            resolved.trim_start_matches("BC_").into(),
        );
    }
    let bill_id = bill.id.clone();
    store.insert_bill(bill);
    if scan {
        let paid = store.app.scan_pays_immediately && pay_bill(store, &bill_id).is_ok();
        payload.insert("pay_result".into(), paid.into());
    }
    Ok(payload)
}

/// POST `rest/offline/bill/status`.
pub(crate) fn offline_status(store: &mut Store, call: &Call) -> Reply {
    optional_channel(call, OFFLINE_CHANNELS)?;
    let bill = find_bill(store, call, call.req_str("bill_no")?)?;
    Ok(payload("pay_result", bill.spay_result))
}

/// POST `rest/offline/bill/{bill_no}` with `method` = `REVERT`.
pub(crate) fn offline_revert(store: &mut Store, call: &Call) -> Reply {
    optional_channel(call, REVERT_CHANNELS)?;
    if call.req_str("method")? != "REVERT" {
        return Err(ApiError::invalid("method", "must be REVERT"));
    }
    let bill_no = call.path_id()?;
    let index = store
        .bill_index_by_no(call.app_id, call.ns, bill_no)
        .ok_or_else(|| no_such_bill(bill_no))?;
    let bill = &mut store.bills[index];
    // A paid bill cannot be reverted any more: the merchant has to refund it.
    let reverted = !bill.spay_result;
    if reverted {
        bill.revert_result = true;
    }
    Ok(payload("revert_status", reverted))
}

/// POST `rest/international/bill`.
pub(crate) fn international_pay(store: &mut Store, call: &Call) -> Reply {
    let channel = required_channel(call, INTERNATIONAL_CHANNELS)?;
    channel_enabled(store, call, channel)?;
    require(call, &["total_fee", "currency", "bill_no", "title"])?;
    require(
        call,
        match channel {
            "PAYPAL_PAYPAL" => &["return_url"],
            "PAYPAL_CREDITCARD" => &["credit_card_info"],
            _ => &["credit_card_id"],
        },
    )?;
    let input = BillInput::read(call, 0)?;
    let currency = call.req_str("currency")?;
    if !CURRENCIES.contains(&currency) {
        return Err(ApiError::invalid("currency", "unsupported currency"));
    }
    if http_url(call, "return_url")?.is_some_and(|url| url.contains('?') || url.contains('&')) {
        return Err(ApiError::invalid("return_url", "must not contain ? or &"));
    }
    let card_id = match channel {
        "PAYPAL_CREDITCARD" => Some(check_credit_card(call)?),
        "PAYPAL_SAVED_CREDITCARD" => {
            let card_id = call.req_str("credit_card_id")?;
            if !store.credit_cards.contains(card_id) {
                return Err(ApiError::invalid("credit_card_id", "unknown card"));
            }
            Some(card_id.to_owned())
        }
        _ => None,
    };
    let mut bill = input.into_bill(store, call, channel)?;
    bill.currency = Some(currency.to_owned());
    bill.return_url = call.str("return_url")?.map(str::to_owned);
    let mut payload = Map::new();
    payload.insert("id".into(), bill.id.clone().into());
    let bill_id = bill.id.clone();
    store.insert_bill(bill);
    match card_id {
        Some(card_id) => {
            if channel == "PAYPAL_CREDITCARD" {
                store.credit_cards.insert(card_id.clone());
                payload.insert("credit_card_id".into(), card_id.into());
            }
            // Card payments are captured at once.
            pay_bill(store, &bill_id).map_err(|e| ApiError::new(PARAM_INVALID, e.to_string()))?;
        }
        None => {
            payload.insert(
                "url".into(),
                core::page_url(&store.base_url, &bill_id).into(),
            );
        }
    }
    Ok(payload)
}

/// `credit_card_info` of PAYPAL_CREDITCARD; returns the new card id.
fn check_credit_card(call: &Call) -> Result<String, ApiError> {
    let card = call
        .map("credit_card_info")?
        .ok_or_else(|| ApiError::missing("credit_card_info"))?;
    for key in [
        "card_number",
        "expire_month",
        "expire_year",
        "cvv",
        "first_name",
        "last_name",
        "card_type",
    ] {
        if card.get(key).is_none_or(Value::is_null) {
            return Err(ApiError::missing(&format!("credit_card_info.{key}")));
        }
    }
    for key in ["expire_month", "expire_year"] {
        if !card[key].is_i64() {
            return Err(ApiError::invalid(
                &format!("credit_card_info.{key}"),
                "must be an integer",
            ));
        }
    }
    if !matches!(
        card["card_type"].as_str(),
        Some("visa" | "mastercard" | "discover" | "amex")
    ) {
        return Err(ApiError::invalid(
            "credit_card_info.card_type",
            "must be visa, mastercard, discover or amex",
        ));
    }
    Ok(format!(
        "CARD-{}",
        uuid::Uuid::new_v4()
            .simple()
            .to_string()
            .to_ascii_uppercase()
    ))
}

/// POST `rest/bill/confirm`: BC_EXPRESS step 2 (token + SMS code) pays the bill.
pub(crate) fn confirm_bill(store: &mut Store, call: &Call) -> Reply {
    require(call, &["token", "bc_bill_id", "verify_code"])?;
    let bill_id = call.req_str("bc_bill_id")?;
    let index = store
        .bill_index_by_id(call.app_id, call.ns, bill_id)
        .ok_or_else(|| no_such_bill(bill_id))?;
    // Confirming a paid bill again answers 0 without a second webhook (the emulator's choice: a retried confirm
    // must not pay twice).
    if let express::Confirm::Pay = express::check(store, call, index)? {
        pay_bill(store, bill_id).map_err(|e| ApiError::new(PARAM_INVALID, e.to_string()))?;
        express::spend_code(store, bill_id);
    }
    Ok(Map::new())
}

/// POST `rest/reconciliation`: `pay_status` "true"/"false" of a bill id.
pub(crate) fn reconcile(store: &mut Store, call: &Call) -> Reply {
    let bill_id = call.req_str("bill_id")?;
    let index = store
        .bill_index_by_id(call.app_id, call.ns, bill_id)
        .ok_or_else(|| no_such_bill(bill_id))?;
    Ok(into_map(
        json!({ "pay_status": store.bills[index].spay_result.to_string() }),
    ))
}

fn find_bill<'s>(store: &'s Store, call: &Call, bill_no: &str) -> Result<&'s Bill, ApiError> {
    store
        .bill_index_by_no(call.app_id, call.ns, bill_no)
        .map(|index| &store.bills[index])
        .ok_or_else(|| no_such_bill(bill_no))
}

pub(crate) fn no_such_bill(key: &str) -> ApiError {
    ApiError::new(NO_SUCH_BILL, format!("no bill {key}"))
}

/// The control hook: pays a bill found by record id (either namespace), else by `bill_no` (live, then sandbox).
pub(crate) fn complete_payment(
    store: &mut Store,
    bill_id_or_bill_no: &str,
) -> Result<(), EmulatorError> {
    let app_id = store.app.app_id.clone();
    let bill_id = store
        .bill_index(bill_id_or_bill_no)
        .or_else(|| {
            [Namespace::Live, Namespace::Sandbox]
                .into_iter()
                .find_map(|ns| store.bill_index_by_no(&app_id, ns, bill_id_or_bill_no))
        })
        .map(|i| store.bills[i].id.clone())
        .ok_or_else(|| EmulatorError::not_found(format!("no bill {bill_id_or_bill_no}")))?;
    pay_bill(store, &bill_id)
}

/// Marks a bill paid (channel trade number, message detail), redeems its coupon and sends the PAY webhook.
pub(crate) fn pay_bill(store: &mut Store, bill_id: &str) -> Result<(), EmulatorError> {
    let now = store.now_ms();
    let serial = store.next_serial();
    let index = store
        .bill_index(bill_id)
        .ok_or_else(|| EmulatorError::not_found(format!("no bill {bill_id}")))?;
    let bill = &mut store.bills[index];
    if bill.spay_result {
        return Err(EmulatorError::conflict(format!(
            "bill {} is already paid",
            bill.bill_no
        )));
    }
    if bill.revert_result {
        return Err(EmulatorError::conflict(format!(
            "bill {} was reverted",
            bill.bill_no
        )));
    }
    if bill.expired(now) {
        return Err(EmulatorError::conflict(format!(
            "bill {} has expired",
            bill.bill_no
        )));
    }
    bill.spay_result = true;
    bill.trade_no = format!("{}{}{serial:08}", bill.channel, beijing_date(now));
    bill.message_detail = json!({
        "tradeSuccess": true,
        "out_trade_no": bill.bill_no,
        "trade_no": bill.trade_no,
        "total_fee": bill.total_fee,
        "sub_channel": bill.sub_channel,
        "emulator": true,
    });
    let event = pay_event(bill);
    if let Some(coupon_id) = bill.coupon_id.clone() {
        coupons::redeem(store, &coupon_id, now);
    }
    store.emit_webhook(event);
    Ok(())
}

/// The PAY webhook of a paid bill.
pub(crate) fn pay_event(bill: &Bill) -> WebhookEvent {
    WebhookEvent {
        ns: bill.ns,
        notify_url: bill.notify_url.clone(),
        transaction_type: "PAY",
        channel_type: bill.channel.clone(),
        sub_channel_type: bill.sub_channel.clone(),
        transaction_id: bill.bill_no.clone(),
        transaction_fee: bill.total_fee,
        trade_success: true,
        optional: bill.optional.clone(),
        message_detail: bill.message_detail.clone(),
        channel_transaction_id: bill.trade_no.clone(),
        subscription_sign: false,
    }
}
