"""The app's own HTTP routes for cookies, served beside Streamlit by ``st.App`` (app/streamlit_server.py).

Streamlit 1.67's ``st.App`` mounts Starlette routes on the same origin as the app, which is what an HttpOnly
cookie needs: the browser stores it from an HTTP response and sends it back on the app's WebSocket handshake,
where ``st.context.cookies`` reads it. Three routes:

- ``POST /_voxlink/session`` (body: a one-time code from app/signin/cookie_handoff.py) sets the sign-in cookie;
- ``POST /_voxlink/sign-out`` revokes the cookie's session and deletes the cookie;
- ``GET /_voxlink/kiosk?activation=vxd_…`` spends a kiosk's one-time activation, sets the kiosk's cookie and
  sends the screen to the wallboard. It is the only time a secret travels in a URL, and it works once.

The cookie is HttpOnly, SameSite=Strict, Path=/, Secure when served over HTTPS, and expires with its session.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.engine import Engine
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from app.signin import browser_sessions, cookie_handoff

KIOSK_LANDING = "/wallboard?kiosk=1"
NO_STORE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


def _engine() -> Engine:
    from operational.database import get_engine

    return get_engine(start=False)


def _with_cookie(response: Response, request: Request, cookie: str) -> Response:
    parsed = browser_sessions.holder(_engine(), cookie, datetime.now(UTC))
    max_age = int((parsed.expires_at - datetime.now(UTC)).total_seconds()) if parsed else 0
    response.set_cookie(
        browser_sessions.COOKIE, cookie, max_age=max_age, path="/", httponly=True, samesite="strict",
        secure=request.url.scheme == "https",
    )  # fmt: skip
    return response


async def session(request: Request) -> Response:
    cookie = cookie_handoff.take((await request.body()).decode(errors="replace").strip())
    if cookie is None:
        return JSONResponse({"error": "unknown or spent sign-in code"}, status_code=400, headers=NO_STORE)
    return await run_in_threadpool(_with_cookie, Response(status_code=204, headers=NO_STORE), request, cookie)


async def sign_out(request: Request) -> Response:
    cookie = request.cookies.get(browser_sessions.COOKIE)
    await run_in_threadpool(browser_sessions.revoke_cookie, _engine(), cookie)
    response = Response(status_code=204, headers=NO_STORE)
    response.delete_cookie(browser_sessions.COOKIE, path="/", httponly=True, samesite="strict")
    return response


def _activate(request: Request, activation: str) -> Response:
    from operational.device_tokens import DeviceTokenError, activate

    engine = _engine()
    now = datetime.now(UTC)
    try:
        device = activate(engine, activation, now)
    except DeviceTokenError as refused:
        return PlainTextResponse(f"Kiosk not signed in: {refused}.", status_code=400, headers=NO_STORE)
    _, cookie = browser_sessions.start_for_device(engine, device.token_id, now)
    return _with_cookie(RedirectResponse(KIOSK_LANDING, status_code=303, headers=NO_STORE), request, cookie)


async def kiosk(request: Request) -> Response:
    return await run_in_threadpool(_activate, request, request.query_params.get("activation", ""))


ROUTES = [
    Route("/_voxlink/session", session, methods=["POST"]),
    Route("/_voxlink/sign-out", sign_out, methods=["POST"]),
    Route("/_voxlink/kiosk", kiosk, methods=["GET"]),
]
