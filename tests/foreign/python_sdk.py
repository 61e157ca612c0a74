"""Drives the beecloud-emulator binary with the official Python SDK (beecloud 3.6.0 from PyPI).

Runs every network function of the SDK (41) in a stateful order, completing what a customer or channel
would do through the emulator's HTTP control API (/__emulator/...), and asserts result_code 0 and the
expected fields. Usage: python python_sdk.py http://127.0.0.1:PORT
"""
import json
import sys
import time
import urllib.request

import beecloud
from beecloud import pay, query, sales, subscribe, user, utils
from beecloud.entity import (BCApp, BCBatchTransferItem, BCBatchTransferParams, BCCardTransferParams,
                             BCChannelType, BCInternationalPayParams, BCPayPalCreditCard, BCPayReqParams,
                             BCPlan, BCPreRefundAuditParams, BCQueryCriteria, BCQueryReqParams,
                             BCRefundReqParams, BCSubscription, BCTransferReqParams)

BASE = sys.argv[1].rstrip('/')
CONTROL = BASE + '/__emulator'

# Demo credentials of the emulator (EmulatorConfig::default, printed by the binary at start).
APP_ID = 'c37d661d-7e61-49ea-96a5-68c34e83db3b'
APP_SECRET = 'a3c8d7e1-4f2b-4c6d-9e8f-0a1b2c3d4e01'
MASTER_SECRET = 'b4d9e8f2-5a3c-4d7e-8f90-1b2c3d4e5f02'
TEST_SECRET = 'c5ea09f3-6b4d-4e8f-9a01-2c3d4e5f6a03'
MERCHANT = 'merchant@example.com'

# The line the guide `other_languages` gives: every module builds its URLs with
# utils.get_rest_root_url(), which reads the copy of the host that beecloud.utils holds.
beecloud.utils.BEECLOUD_API_HOST = BASE

done = []


def control(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(CONTROL + path, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read().decode())


def check(name, result, *fields):
    code = getattr(result, 'result_code', None)
    assert code == 0, '%s: result_code %r, %r, %r' % (name, code, getattr(result, 'result_msg', None),
                                                      getattr(result, 'err_detail', None))
    for field in fields:
        value = getattr(result, field, None)
        assert value not in (None, ''), '%s: no %s in the result' % (name, field)
    done.append(name)
    print('ok   %-45s %s' % (name, ', '.join('%s=%s' % (f, str(getattr(result, f))[:40]) for f in fields)))
    return result


def number(prefix):
    return prefix + str(int(time.time() * 1000000))[-12:]


def today():
    now = control('GET', '/clock')['now_ms']
    # refund_no starts with the emulator day in Beijing time (UTC+8).
    return time.strftime('%Y%m%d', time.gmtime(now / 1000 + 8 * 3600))


app = BCApp()
app.app_id, app.app_secret, app.master_secret, app.test_secret = APP_ID, APP_SECRET, MASTER_SECRET, TEST_SECRET
bc_pay, bc_query, bc_subscribe = pay.BCPay(), query.BCQuery(), subscribe.BCSubscribe()
for part in (bc_pay, bc_query, bc_subscribe):
    part.register_app(app)

control('POST', '/reset')
sink_url = CONTROL + '/sink/python'
control('POST', '/webhook_url', {'url': sink_url})

# --- payments -----------------------------------------------------------------------------------------
params = BCPayReqParams()
params.channel, params.total_fee, params.bill_no, params.title = BCChannelType.WX_NATIVE, 100, number('py'), 'python'
paid = check('pay', bc_pay.pay(params), 'id', 'code_url')
bill_no = params.bill_no
control('POST', '/payments/complete', {'id': paid.id})
pushes = control('GET', '/webhooks?wait_for=1&timeout_ms=10000')['webhooks']
assert pushes and pushes[0]['delivered'] and pushes[0]['body']['transaction_type'] == 'PAY', pushes

bill = check('query_bill_by_id', bc_query.query_bill_by_id(paid.id), 'pay')
assert bill.pay.spay_result is True, 'the completed bill is paid'
bills = check('query_bills', bc_query.query_bills(BCQueryReqParams()), 'bills')
assert any(b.bill_no == bill_no for b in bills.bills)
counted = BCQueryReqParams()
counted.bill_no = bill_no
assert check('query_bills_count', bc_query.query_bills_count(counted), 'count').count == 1

# --- refunds ------------------------------------------------------------------------------------------
refund = BCRefundReqParams()
refund.bill_no, refund.refund_no, refund.refund_fee = bill_no, today() + number('r'), 100
check('refund', bc_pay.refund(refund), 'id')
refunds = check('query_refunds', bc_query.query_refunds(BCQueryReqParams()), 'refunds')
assert any(r.refund_no == refund.refund_no for r in refunds.refunds)
check('query_refunds_count', bc_query.query_refunds_count(BCQueryReqParams()), 'count')
check('query_refund_by_id', bc_query.query_refund_by_id(refunds.refunds[0].id), 'refund')
check('query_refund_status', bc_query.query_refund_status('WX', refund.refund_no), 'refund_status')

# A pre-refund, then its approval.
params.bill_no = number('pp')
second = bc_pay.pay(params)
control('POST', '/payments/complete', {'id': second.id})
pre = BCRefundReqParams()
pre.bill_no, pre.refund_no, pre.refund_fee, pre.need_approval = params.bill_no, today() + number('p'), 50, True
pre_id = bc_pay.refund(pre).id
assert pre_id, 'a pre-refund id'
audit = BCPreRefundAuditParams()
audit.channel, audit.ids, audit.agree = 'WX', [pre_id], True
check('audit_pre_refunds', bc_pay.audit_pre_refunds(audit), 'result_map')

# --- offline payments ---------------------------------------------------------------------------------
offline = BCPayReqParams()
offline.channel, offline.total_fee, offline.bill_no, offline.title = 'ALI_SCAN', 10, number('of'), 'offline'
offline.auth_code = '280000000000000000'
check('offline_pay', bc_pay.offline_pay(offline), 'id')
check('query_offline_bill_status', bc_query.query_offline_bill_status(offline.bill_no, 'ALI_SCAN'))
control('POST', '/payments/complete', {'id': offline.bill_no})
off_refund = BCRefundReqParams()
off_refund.channel, off_refund.bill_no, off_refund.refund_no = 'ALI', offline.bill_no, today() + number('o')
off_refund.refund_fee = 10
check('offline_refund', bc_pay.offline_refund(off_refund), 'id')
offline.bill_no = number('ov')
bc_pay.offline_pay(offline)
check('offline_revert', bc_pay.offline_revert(offline.bill_no, 'ALI_SCAN'), 'revert_status')

# --- international ------------------------------------------------------------------------------------
card = BCPayPalCreditCard()
card.card_number, card.expire_month, card.expire_year, card.cvv = '4111111111111111', 12, 2030, '123'
card.first_name, card.last_name, card.card_type = 'Jim', 'Green', 'visa'
international = BCInternationalPayParams()
international.channel, international.total_fee, international.currency = 'PAYPAL_CREDITCARD', 1, 'USD'
international.bill_no, international.title, international.credit_card_info = number('in'), 'paypal', card
check('international_pay', bc_pay.international_pay(international), 'id', 'credit_card_id')

# --- transfers ----------------------------------------------------------------------------------------
transfer = BCTransferReqParams()
transfer.channel, transfer.transfer_no, transfer.total_fee = 'WX_TRANSFER', number('tr'), 100
transfer.desc, transfer.channel_user_id = 'python', 'openid-python'
check('transfer', bc_pay.transfer(transfer), 'id')
batch = BCBatchTransferParams()
batch.batch_no, batch.account_name = number('bt'), 'python'
item = BCBatchTransferItem()
item.transfer_id, item.receiver_account, item.receiver_name = number('bi'), 'a@example.com', 'A'
item.transfer_fee, item.transfer_note = 10, 'n'
batch.transfer_data = [item]
check('batch_transfer', bc_pay.batch_transfer(batch), 'url')
banks = check('query_bc_transfer_supported_banks', bc_query.query_bc_transfer_supported_banks('P_DE'),
              'bank_list')
card_transfer = BCCardTransferParams()
card_transfer.total_fee, card_transfer.bill_no, card_transfer.title = 100, number('ct'), 'payout'
card_transfer.bank_fullname, card_transfer.card_type, card_transfer.account_type = banks.bank_list[0], 'DE', 'P'
card_transfer.account_no, card_transfer.account_name = '6222000000000000', 'Zhang San'
check('bc_transfer', bc_pay.bc_transfer(card_transfer), 'id')
control('POST', '/transfers/complete', {'id': card_transfer.bill_no})

# --- merchant users -----------------------------------------------------------------------------------
buyer = number('u')
check('add_merchant_user', user.add_merchant_user(app, buyer))
check('batch_add_merchant_users', user.batch_add_merchant_users(app, MERCHANT, [number('v'), number('w')]))
users = check('query_merchant_users', user.query_merchant_users(app, MERCHANT), 'users')
assert any(u.buyer_id == buyer for u in users.users)
check('attach_buyer_history_bills', user.attach_buyer_history_bills(app, {buyer: [bill_no]}))

# --- coupons ------------------------------------------------------------------------------------------
templates = check('query_coupon_templates', sales.query_coupon_templates(app, BCQueryCriteria()),
                  'coupon_templates')
template_id = templates.coupon_templates[0].id
check('query_coupon_template', sales.query_coupon_template(app, template_id), 'coupon_template')
coupon = check('create_coupon', sales.create_coupon(app, template_id, buyer), 'coupon')
check('query_coupon', sales.query_coupon(app, coupon.coupon.id), 'coupon')
check('query_coupons', sales.query_coupons(app, BCQueryCriteria()), 'coupons')

# --- plans and subscriptions --------------------------------------------------------------------------
plan = BCPlan()
plan.fee, plan.interval, plan.name, plan.currency = 150, 'day', number('plan'), 'CNY'
created = check('create_plan', bc_subscribe.create_plan(plan), 'plan')
plan_id = created.plan.id
check('update_plan', bc_subscribe.update_plan(plan_id, name=number('renamed')), 'id')
check('query_plan_by_id', bc_query.query_plan_by_id(plan_id), 'plan')
check('query_plans', bc_query.query_plans(BCQueryCriteria()), 'plans')
check('query_subscription_payment_supported_banks', bc_query.query_subscription_payment_supported_banks(),
      'banks')
phone = '13' + number('')[-9:]
check('verify_card_factors', utils.verify_card_factors(app, 'Zhang San', '110101199003070000',
                                                        '6222000000000000', phone), 'card_id')
sms = check('send_sms_passcode', utils.send_sms_passcode(app, phone), 'sms_id')
code = control('GET', '/sms?phone=' + phone)['code']
subscription = BCSubscription()
subscription.buyer_id, subscription.plan_id = buyer, plan_id
subscription.bank_name, subscription.card_no = '中国银行', '6222000000000000'
subscription.id_name, subscription.id_no, subscription.mobile = 'Zhang San', '110101199003070000', phone
sub = check('subscribe', bc_subscribe.subscribe(subscription, sms.sms_id, code), 'subscription')
sub_id = sub.subscription.id
control('POST', '/subscriptions/verify', {'id': sub_id, 'success': True})
found = check('query_subscription_by_id', bc_query.query_subscription_by_id(sub_id), 'subscription')
assert found.subscription.valid is True, 'the verified subscription is valid'
check('query_subscriptions', bc_query.query_subscriptions(BCQueryCriteria()), 'subscriptions')
check('update_subscription', bc_subscribe.update_subscription(sub_id, amount=2), 'id')
bill_of_charge = control('POST', '/subscriptions/charge', {'id': sub_id})['bill_no']
assert bill_of_charge
check('cancel_subscription', bc_subscribe.cancel_subscription(sub_id), 'id')
check('delete_plan', bc_subscribe.delete_plan(plan_id), 'id')

# --- sandbox: the test-mode path of pay and the bill queries -------------------------------------------
test_app = BCApp()
test_app.app_id, test_app.test_secret, test_app.is_test_mode = APP_ID, TEST_SECRET, True
sandbox_pay, sandbox_query = pay.BCPay(), query.BCQuery()
sandbox_pay.register_app(test_app)
sandbox_query.register_app(test_app)
params.bill_no = number('sb')
sandbox_bill = sandbox_pay.pay(params)
assert sandbox_bill.result_code == 0 and sandbox_bill.id, 'sandbox pay'
assert sandbox_query.query_bill_by_id(sandbox_bill.id).result_code == 0, 'sandbox query_bill_by_id'

# The sink received the pushes the emulator sent to it.
received = control('GET', '/sink?wait_for=1&timeout_ms=10000')['received']
assert received and json.loads(received[0]['body'])['transaction_type'] == 'PAY', received

# --- knobs: the binary's --knob (run.sh passes one) and a switch turned over the control API -------------
assert control('GET', '/knobs')['sandbox_notify.resend_paid'] is True, 'run.sh started it with --knob'
control('POST', '/knobs', {'strict_query_limit': True})
limited = BCQueryReqParams()
limited.limit = 5
refused = bc_query.query_bills(limited)
assert refused.result_code == 5, 'a limit of 5 is refused once strict_query_limit is on: %r' % refused.result_code
control('POST', '/knobs', {'strict_query_limit': False})
assert bc_query.query_bills(limited).result_code == 0, 'and clamped again once it is off'
print('ok   %-45s %s' % ('knobs (--knob, POST /__emulator/knobs)', 'strict_query_limit refused limit 5, then clamped'))

expected = 41
names = sorted(set(done))
print('\n%d of %d Python SDK network functions passed against the emulator' % (len(names), expected))
assert len(names) == expected, 'missing: %d functions ran: %s' % (len(names), names)
