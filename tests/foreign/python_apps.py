"""Two test workers, two processes, one emulator: each worker makes its own app (POST /__emulator/apps),
as a pytest-xdist fixture would, and drives pay -> complete -> webhook -> refund -> query with the
official Python SDK (beecloud 3.6.0), seeing only its own records and pushes.
Usage: python python_apps.py http://127.0.0.1:PORT
"""
import json
import multiprocessing
import sys
import time
import urllib.request

import beecloud.utils
from beecloud import pay, query
from beecloud.entity import BCApp, BCChannelType, BCPayReqParams, BCQueryReqParams, BCRefundReqParams

BASE = sys.argv[1].rstrip('/')
# The line the guide `other_languages` gives: every module reads the host from beecloud.utils.
beecloud.utils.BEECLOUD_API_HOST = BASE


def call(method, url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method,
                                     headers={'Content-Type': 'application/json'})
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read().decode())


def worker(n, results):
    made = call('POST', BASE + '/__emulator/apps', {})
    control = made['control_url']
    app = BCApp()
    app.app_id, app.app_secret = made['app_id'], made['app_secret']
    app.master_secret, app.test_secret = made['master_secret'], made['test_secret']
    bc_pay, bc_query = pay.BCPay(), query.BCQuery()
    bc_pay.register_app(app)
    bc_query.register_app(app)

    params = BCPayReqParams()
    params.channel, params.total_fee, params.title = BCChannelType.WX_NATIVE, 100 + n, 'worker %d' % n
    params.bill_no = 'w%d%s' % (n, str(int(time.time() * 1000000))[-12:])
    paid = bc_pay.pay(params)
    assert paid.result_code == 0, (paid.result_code, paid.err_detail)
    call('POST', control + '/payments/complete', {'id': paid.id})
    pushes = call('GET', control + '/webhooks?wait_for=1&timeout_ms=10000')['webhooks']
    assert len(pushes) == 1 and pushes[0]['delivered'], pushes
    assert pushes[0]['body']['transaction_id'] == params.bill_no, pushes

    now = call('GET', control + '/clock')['now_ms']
    refund = BCRefundReqParams()
    refund.bill_no, refund.refund_fee = params.bill_no, 100 + n
    refund.refund_no = time.strftime('%Y%m%d', time.gmtime(now / 1000 + 8 * 3600)) + 'w%d' % n + params.bill_no[-8:]
    refunded = bc_pay.refund(refund)
    assert refunded.result_code == 0, (refunded.result_code, refunded.err_detail)

    bills = bc_query.query_bills(BCQueryReqParams())
    assert [b.bill_no for b in bills.bills] == [params.bill_no], [b.bill_no for b in bills.bills]
    refunds = bc_query.query_refunds(BCQueryReqParams())
    assert [r.refund_no for r in refunds.refunds] == [refund.refund_no]
    sink = call('GET', control + '/sink?wait_for=2&timeout_ms=10000')['received']
    assert len(sink) == 2, sink
    results.put((n, made['app_id']))


if __name__ == '__main__':
    results = multiprocessing.Queue()
    workers = [multiprocessing.Process(target=worker, args=(n, results)) for n in (1, 2)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(60)
    codes = [process.exitcode for process in workers]
    assert codes == [0, 0], 'a worker failed: exit codes %r' % codes
    apps = {results.get(timeout=5) for _ in workers}
    assert len({app_id for _, app_id in apps}) == 2, apps
    print('ok   two workers, two processes, two apps: each saw only its own bill, refund and pushes')
