"""``svs serve``: a small web app over a store, for operators and supervisors. Batches with live progress, each
batch's report view with its pictures, and a JSON API. Read-only: it never writes to the store.

Every page and API call needs the token: ``Authorization: Bearer <token>``, or ``?token=<token>`` once in a
browser, which sets an HttpOnly cookie holding an opaque session id (never the token) and redirects to the same
address without the token (so it does not stay in the address bar or the history). It binds to 127.0.0.1 unless
told otherwise.

Handlers that read the store are plain functions, which Starlette runs in its thread pool: a slow listing never
holds the event loop, so ``/healthz`` answers at once while the API is busy. The batch list is refreshed at most
once per :data:`svs.batchlist.LIST_TTL_S` however many browsers poll it, and incrementally (:mod:`svs.batchlist`).
Every response carries a content security policy (scripts only by their hash), ``X-Frame-Options: DENY``,
``nosniff``, and ``Cache-Control: no-store``.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import threading
import time
from html import escape
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from svs import keys
from svs.batch.stored import stored_result
from svs.batchlist import BatchList
from svs.errors import IntegrityError, InvalidId
from svs.report import collect, render
from svs.report.collect import PICTURES
from svs.report.html import SCRIPT as REPORT_SCRIPT
from svs.storage.base import Store

COOKIE = "svs_session"
OPEN_PATHS = ("/healthz",)
#: Sessions a dashboard process keeps (one per browser that logged in); the oldest is forgotten first.
MAX_SESSIONS = 1000


class TokenAuth(BaseHTTPMiddleware):
    def __init__(self, app: Any, token: str) -> None:
        super().__init__(app)
        self.token = token.encode()
        self.sessions: dict[str, float] = {}  # opaque session id -> when it was made
        self.lock = threading.Lock()

    def _ok(self, offered: str | None) -> bool:
        return bool(offered) and hmac.compare_digest(str(offered).encode(), self.token)

    def _session_ok(self, session: str | None) -> bool:
        with self.lock:
            return bool(session) and session in self.sessions

    def _new_session(self) -> str:
        session = secrets.token_urlsafe(32)
        with self.lock:
            self.sessions[session] = time.time()
            while len(self.sessions) > MAX_SESSIONS:
                self.sessions.pop(next(iter(self.sessions)))
        return session

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.url.path in OPEN_PATHS:
            return await call_next(request)
        query_token = request.query_params.get("token")
        if query_token is not None:
            if not self._ok(query_token):
                return Response("invalid token\n", status_code=401)
            response = RedirectResponse(request.url.remove_query_params("token"), status_code=303)
            response.set_cookie(COOKIE, self._new_session(), httponly=True, samesite="strict")
            return response
        auth = request.headers.get("authorization", "")
        bearer = auth[7:] if auth.lower().startswith("bearer ") else None
        if self._ok(bearer) or self._session_ok(request.cookies.get(COOKIE)):
            return await call_next(request)
        return Response("a token is required: Authorization: Bearer <token>, or ?token=<token>\n", status_code=401)


def _script_hashes(*pages: str) -> str:
    """CSP sources for the inline scripts of these pages: each by its SHA-256, so no other script runs."""
    bodies = [b for page in pages for b in re.findall(r"<script>(.*?)</script>", page, re.S)]
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(b.encode()).digest()).decode()}'" for b in bodies)


class SecurityHeaders(BaseHTTPMiddleware):
    def __init__(self, app: Any, script_src: str) -> None:
        super().__init__(app)
        self.headers = {
            "Content-Security-Policy": (f"default-src 'none'; script-src {script_src}; style-src 'unsafe-inline'; "
                                        "img-src 'self' data:; connect-src 'self'; base-uri 'none'; "
                                        "form-action 'none'; frame-ancestors 'none'"),
            "X-Frame-Options": "DENY",
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
        }

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.update(self.headers)
        response.headers.setdefault("Cache-Control", "no-store")
        return response


LIST_PAGE = """<!doctype html><html lang=en><head><meta charset=utf-8><title>svs batches</title><style>
body{font:15px/1.4 system-ui,sans-serif;margin:0;background:#f4f4f2;color:#1b1b1b}
header{background:#1d3557;color:#fff;padding:14px 24px}h1{margin:0;font-size:22px}main{padding:16px 24px}
table{border-collapse:collapse;background:#fff}td,th{padding:6px 12px;border-bottom:1px solid #ddd;text-align:left}
.bar{background:#ddd;border-radius:4px;height:12px;width:220px}.bar div{background:#2a9d8f;height:12px;
border-radius:4px}</style></head><body><header><h1>svs batches</h1><div id=updated></div></header><main>
<table><thead><tr><th>batch</th><th>progress</th><th>items</th><th>verdicts</th></tr></thead>
<tbody id=rows>ROWS</tbody></table></main><script>
function esc(s){return String(s).replace(/[&<>"']/g,function(c){return '&#'+c.charCodeAt(0)+';'})}
function row(b){var pct=b.complete?100:(b.items_expected?Math.round(100*b.items_done/b.items_expected):0);
 var v=Object.keys(b.verdicts).map(function(k){return esc(k)+' '+b.verdicts[k]}).join(', ')+
 (b.rescanned?' ('+b.rescanned+' rescanned since)':'');
 return '<tr class=batch data-batch="'+esc(b.batch_id)+'"><td><a href="/batches/'+encodeURIComponent(b.batch_id)+
 '">'+esc(b.batch_id)+'</a></td><td><div class=bar><div style="width:'+pct+'%"></div></div></td><td class=count>'+
 b.items_done+(b.items_expected?' of '+b.items_expected:'')+(b.complete?' (complete)':' (running)')+
 '</td><td>'+v+'</td></tr>'}
function refresh(){fetch('/api/batches',{credentials:'same-origin'}).then(function(r){return r.json()})
 .then(function(d){document.getElementById('rows').innerHTML=d.batches.map(row).join('');
 document.getElementById('updated').textContent='updated '+new Date().toLocaleTimeString()})}
setInterval(refresh,2000);</script></body></html>"""


def _row_html(b: dict[str, Any]) -> str:
    pct = 100 if b["complete"] else (round(100 * b["items_done"] / b["items_expected"]) if b["items_expected"] else 0)
    expected = f" of {b['items_expected']}" if b["items_expected"] else ""
    state = " (complete)" if b["complete"] else " (running)"
    verdicts = ", ".join(f"{escape(k)} {v}" for k, v in b["verdicts"].items())
    if b.get("rescanned"):
        verdicts += f" ({b['rescanned']} rescanned since)"
    bid = escape(b["batch_id"])
    return (f'<tr class=batch data-batch="{bid}"><td><a href="/batches/{bid}">{bid}</a></td>'
            f'<td><div class=bar><div style="width:{pct}%"></div></div></td>'
            f"<td class=count>{b['items_done']}{expected}{state}</td><td>{verdicts}</td></tr>")


def create_app(store: Store, token: str) -> Starlette:
    """The dashboard over *store*, every route but ``/healthz`` behind *token*."""
    if len(token) < 16:
        raise ValueError("the dashboard token must be at least 16 characters")

    def batch_id_of(request: Request) -> str:
        return keys.check_id(request.path_params["batch_id"], "batch id")

    batches = BatchList(store)

    def index(request: Request) -> Response:
        rows = "".join(_row_html(b) for b in batches.get())
        return HTMLResponse(LIST_PAGE.replace("ROWS", rows))

    def batch_page(request: Request) -> Response:
        try:
            bid = batch_id_of(request)
        except InvalidId:
            return Response("no such batch\n", status_code=404)
        view = collect(store, bid, pictures=False)
        if not view.results and view.summary is None:
            return Response("no such batch\n", status_code=404)
        return HTMLResponse(render(view, img_src="/batches/{batch}/items/{item}/pictures/{role}", live=True))

    def picture(request: Request) -> Response:
        try:
            bid = batch_id_of(request)
            item = keys.check_id(request.path_params["item_id"], "item id")
        except InvalidId:
            return Response("not found\n", status_code=404)
        role = request.path_params["role"]
        if role not in {r for r, _ in PICTURES}:
            return Response("not found\n", status_code=404)
        r = stored_result(store, bid, item)
        entry = next((s for s in r.stored if s.role == role), None) if r is not None else None
        if entry is None:
            return Response("not found\n", status_code=404)
        try:
            data = store.get_verified(entry.key, entry.sha256)
        except (KeyError, IntegrityError):
            return Response("not found\n", status_code=404)
        return Response(data, media_type="image/jpeg", headers={"Cache-Control": "private, max-age=3600"})

    def api_batches(request: Request) -> Response:
        return JSONResponse({"batches": batches.get(), "at": time.time()})

    def api_batch(request: Request) -> Response:
        try:
            bid = batch_id_of(request)
        except InvalidId:
            return JSONResponse({"error": "no such batch"}, status_code=404)
        view = collect(store, bid, pictures=False)
        if not view.results and view.summary is None:
            return JSONResponse({"error": "no such batch"}, status_code=404)
        return JSONResponse({
            "batch_id": bid, "complete": view.complete, "items_expected": view.expected,
            "summary": view.summary.model_dump(mode="json") if view.summary else None,
            "items": [r.model_dump(mode="json") for r in view.results],
            "superseded": {item: s.by for item, s in view.superseded.items()},
        })

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True})

    routes = [
        Route("/", index), Route("/healthz", healthz), Route("/batches/{batch_id}", batch_page),
        Route("/batches/{batch_id}/items/{item_id}/pictures/{role}", picture),
        Route("/api/batches", api_batches), Route("/api/batches/{batch_id}", api_batch),
    ]
    return Starlette(routes=routes, middleware=[
        Middleware(SecurityHeaders, script_src=_script_hashes(LIST_PAGE, f"<script>{REPORT_SCRIPT}</script>")),
        Middleware(TokenAuth, token=token)])
