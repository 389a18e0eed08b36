"""The sign-in and "not allowed" pages: plain server-rendered HTML, so they work without a session.

Dash pages need /_dash-layout, which the guard closes to anonymous viewers; the sign-in form is
therefore served by Flask (route /login in dashboard.auth.guard) and is deliberately not a
Dash page module.
"""

from __future__ import annotations

from markupsafe import escape

from dashboard.i18n import HTML_LANG, norm_lang, t

_STYLE = (
    "body{font-family:'Noto Sans CJK TC','Noto Sans TC',system-ui,sans-serif;background:#f4f6f8;margin:0;"
    "color:#1b1f23}main{max-width:26rem;margin:10vh auto;background:#fff;padding:2rem;border-radius:.5rem;"
    "box-shadow:0 1px 4px rgba(0,0,0,.15)}h1{font-size:1.4rem;margin-top:0}label{display:block;"
    "margin:.8rem 0 .3rem;font-weight:600}input{width:100%;box-sizing:border-box;padding:.55rem;"
    "font-size:1rem;border:1px solid #6a737d;border-radius:.25rem}button{margin-top:1.2rem;width:100%;"
    "padding:.6rem;font-size:1rem;background:#0b5394;color:#fff;border:0;border-radius:.25rem;"
    "cursor:pointer}.error{background:#fdecea;color:#8a1c12;padding:.6rem;border-radius:.25rem}"
    ".lang{text-align:right;font-size:.9rem}a{color:#0b5394}"
)


def _page(lang: str, title: str, body: str) -> str:
    html_lang = HTML_LANG.get(lang, "zh-Hant-TW")
    return (
        f'<!DOCTYPE html><html lang="{html_lang}"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title>"
        f"<style>{_STYLE}</style></head>"
        f"<body><main>{body}</main></body></html>"
    )


def render_login(
    lang: str | None, error_key: str | None, next_path: str, csrf: str, form: bool = True
) -> str:
    """The sign-in form (POST /login). All values are escaped; nothing from the request becomes
    markup, and ``next`` is only echoed into a hidden field (checked again on sign-in)."""
    lang = norm_lang(lang)
    other = "en" if lang == "zh-TW" else "zh-TW"
    other_label = "English" if other == "en" else "中文"
    switch = f'<p class="lang"><a href="/login?lang={other}" lang="{HTML_LANG[other]}">{other_label}</a></p>'
    error = ""
    if error_key:
        error = f'<p class="error" role="alert">{escape(t("auth.error." + error_key, lang))}</p>'
    parts = [
        switch,
        f"<h1>{escape(t('common.app.title', lang))}</h1>",
        f"<h2>{escape(t('auth.title', lang))}</h2>",
    ]
    parts.append(error)
    if form:
        parts.append(
            '<form method="post" action="/login">'
            f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
            f'<input type="hidden" name="next" value="{escape(next_path)}">'
            f'<label for="username">{escape(t("auth.username", lang))}</label>'
            '<input id="username" name="username" autocomplete="username" required autofocus>'
            f'<label for="password">{escape(t("auth.password", lang))}</label>'
            '<input id="password" name="password" type="password" autocomplete="current-password" required>'
            f'<button type="submit">{escape(t("auth.submit", lang))}</button>'
            "</form>"
        )
    parts.append(f"<p><small>{escape(t('auth.notice', lang))}</small></p>")
    return _page(lang, t("auth.title", lang), "".join(parts))


def render_forbidden(lang: str | None) -> str:
    """403 page: the viewer is signed in but their role may not open this page."""
    lang = norm_lang(lang)
    body = (
        f"<h1>{escape(t('auth.forbidden.title', lang))}</h1>"
        f"<p>{escape(t('auth.forbidden.body', lang))}</p>"
        f'<p><a href="/">{escape(t("auth.forbidden.home", lang))}</a> · '
        f'<a href="/logout">{escape(t("auth.logout", lang))}</a></p>'
    )
    return _page(lang, t("auth.forbidden.title", lang), body)
