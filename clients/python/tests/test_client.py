"""Tests of the samo client.

LiveServerTest runs against a real `samo serve` whose URL and user key are in
SAMO_TEST_URL and SAMO_TEST_KEY (test/pyclient starts one under make test).
The retry and error-mapping tests use a scripted server on loopback.
"""

import http.server
import json
import os
import threading
import unittest

import samo
from samo import APIError, Client, InsecureTransportError, RateLimited


class LiveServerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.url = os.environ.get("SAMO_TEST_URL")
        cls.key = os.environ.get("SAMO_TEST_KEY")
        if not cls.url or not cls.key:
            raise unittest.SkipTest("SAMO_TEST_URL/SAMO_TEST_KEY not set (test/pyclient sets them)")

    def test_predict(self):
        c = Client(self.url, api_key=self.key)
        p = c.predict("I am so happy and grateful for this wonderful day")
        self.assertTrue(p.id)
        self.assertTrue(p.primary_emotion)
        self.assertGreater(p.confidence, 0)
        self.assertTrue(p.emotions)
        self.assertIsInstance(p.emotions[0], samo.EmotionScore)
        ek = c.predict("I am terrified of what comes next", threshold=0.1, taxonomy="ekman")
        self.assertEqual(ek.taxonomy, "ekman")

    def test_predict_batch(self):
        c = Client(self.url, api_key=self.key)
        r = c.predict_batch(["what a lovely surprise", "this is infuriating", ""])
        self.assertEqual(len(r.results), 3)
        self.assertEqual(r.succeeded, 2)
        self.assertEqual(r.failed, 1)
        self.assertIsNotNone(r.predictions[0])
        self.assertIsNone(r.predictions[2])
        self.assertTrue(r.results[2].error_code)

    def test_predictions_iterate_across_pages(self):
        c = Client(self.url, api_key=self.key)
        made = {c.predict("paging test number %d makes me happy" % i).id for i in range(5)}
        seen = [p.id for p in c.predictions(page_size=2)]
        self.assertTrue(made.issubset(seen), "iteration missed predictions made")
        self.assertEqual(len(seen), len(set(seen)), "a prediction was returned twice across pages")
        joy = list(c.predictions(emotion="joy", page_size=2))
        for p in joy:
            self.assertIn("joy", [e.emotion for e in p.emotions])

    def test_api_error_fields(self):
        c = Client(self.url, api_key=self.key)
        with self.assertRaises(APIError) as cm:
            c.predict("")
        e = cm.exception
        self.assertEqual(e.status, 400)
        self.assertEqual(e.code, "invalid_request")
        self.assertTrue(e.detail)
        self.assertTrue(e.request_id)
        self.assertEqual(e.fields[0]["field"], "text")
        with self.assertRaises(APIError) as cm:
            Client(self.url, api_key="samo_not_a_real_key").predict("hello there")
        self.assertEqual(cm.exception.status, 401)
        self.assertEqual(cm.exception.code, "invalid_credentials")

    def test_tokens(self):
        c = Client(self.url, api_key=self.key, use_tokens=True)
        p = c.predict("tokens make me feel safe and content")
        self.assertTrue(p.id)
        self.assertEqual(c.prediction(p.id).id, p.id)
        self.assertTrue(c._access, "no access token was obtained")


class _Scripted(http.server.BaseHTTPRequestHandler):
    """Answers with the next scripted (status, headers, body) and records requests."""

    script = []
    seen = []

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(n)
        type(self).seen.append(dict(self.headers))
        status, headers, body = type(self).script.pop(0)
        raw = json.dumps(body).encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/problem+json" if status >= 400 else "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args):
        pass


PRED = {"id": "pred_1", "text": "t", "primary_emotion": "joy", "confidence": 0.9,
        "emotions": [{"emotion": "joy", "confidence": 0.9}], "taxonomy": "goemotions"}


# PROBLEM_BASE is the server's problem type prefix (api.ProblemBase): the
# section of docs/problems.md that describes the code.
PROBLEM_BASE = "https://github.com/samo-brain/samo/blob/main/docs/problems.md#"


def problem(status, code, base=PROBLEM_BASE):
    return {"type": base + code, "title": "x", "status": status,
            "detail": "d", "request_id": "rid-1"}


class RetryTest(unittest.TestCase):
    def setUp(self):
        self.srv = http.server.HTTPServer(("127.0.0.1", 0), _Scripted)
        threading.Thread(target=self.srv.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]
        _Scripted.seen = []
        self.slept = []

    def tearDown(self):
        self.srv.shutdown()
        self.srv.server_close()

    def client(self, **kw):
        return Client(self.url, api_key="k", sleep=self.slept.append, **kw)

    def test_retries_429_and_503_honouring_retry_after(self):
        _Scripted.script = [(429, {"Retry-After": "7"}, problem(429, "rate_limited")),
                            (503, {"Retry-After": "2"}, problem(503, "unavailable")),
                            (200, {}, PRED)]
        p = self.client().predict("t")
        self.assertEqual(p.id, "pred_1")
        self.assertEqual(self.slept, [7.0, 2.0])
        keys = {h.get("Idempotency-Key") for h in _Scripted.seen}
        self.assertEqual(len(keys), 1, "retries must reuse one Idempotency-Key")
        self.assertTrue(keys.pop())

    def test_rate_limited_after_retries(self):
        _Scripted.script = [(429, {"Retry-After": "3"}, problem(429, "rate_limited"))] * 2
        with self.assertRaises(RateLimited) as cm:
            self.client(max_retries=1).predict("t")
        self.assertEqual(cm.exception.retry_after, 3.0)
        self.assertEqual(cm.exception.code, "rate_limited")
        self.assertEqual(cm.exception.request_id, "rid-1")

    def test_other_errors_not_retried(self):
        for status, code in ((500, "internal"), (502, "upstream_error"), (400, "invalid_request")):
            _Scripted.script = [(status, {}, problem(status, code))]
            _Scripted.seen = []
            with self.assertRaises(APIError) as cm:
                self.client().predict("t")
            self.assertNotIsInstance(cm.exception, RateLimited)
            self.assertEqual((cm.exception.status, cm.exception.code), (status, code))
            self.assertEqual(len(_Scripted.seen), 1, "%d was retried" % status)

    def test_code_from_either_type_form(self):
        # The code is the fragment of docs/problems.md#<code>, or the last
        # path segment of the form older servers sent.
        for base in (PROBLEM_BASE, "https://samo.dev/problems/"):
            _Scripted.script = [(403, {}, problem(403, "key_in_grace", base))]
            with self.assertRaises(APIError) as cm:
                self.client().predict("t")
            self.assertEqual(cm.exception.code, "key_in_grace", base)


class TransportTest(unittest.TestCase):
    def test_refuses_credentials_over_plain_http(self):
        for url in ("http://samo.example", "http://10.0.0.1:8080", "http://[2001:db8::1]/"):
            with self.assertRaises(InsecureTransportError):
                Client(url, api_key="k")
        for url in ("http://localhost:8080", "http://127.0.0.1:1", "http://[::1]:8080", "https://samo.example"):
            Client(url, api_key="k")
        Client("http://samo.example")  # no credentials, nothing to protect

    def test_use_tokens_needs_a_key(self):
        with self.assertRaises(ValueError):
            Client("https://samo.example", use_tokens=True)


if __name__ == "__main__":
    unittest.main()
