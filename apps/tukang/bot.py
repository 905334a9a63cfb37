"""The GoTukang WhatsApp conversation, as a pure state machine (no Django, no database).

    idle --any--> skill --pick--> tukang --pick--> describe --text--> confirm --yes--> idle (+ job)

`step(state, data, message, ctx)` returns the next state, its data, the replies to send and,
on confirmation, the job to create. The caller (apps.tukang.whatsapp) keeps the state per phone
number, looks tukang up through `ctx.directory` and performs the creation. A choice can be
answered with the interactive reply id (list_reply/button_reply), its number, or its name.

Every choice is offered twice: as text (numbered lines, what any channel can show) and, in
`Step.menus`, as a WhatsApp interactive message (`cloud_api_message`: a `list` for the skills
and the tukang, `button`s for the confirmation) whose reply ids the same step understands.

The bot speaks Bahasa Indonesia only: a phone number has no language preference, and the
residents it serves write in Indonesian (its words are therefore plain strings, not gettext).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

IDLE, SKILL, TUKANG, DESCRIBE, CONFIRM = "idle", "skill", "tukang", "describe", "confirm"
STATES = (IDLE, SKILL, TUKANG, DESCRIBE, CONFIRM)
MAX_LIST = 10  # rows in a WhatsApp list message
MIN_DESCRIPTION = 5
MAX_DESCRIPTION = 1000
CANCEL_WORDS = {"batal", "stop", "keluar"}
RESTART_WORDS = {"halo", "hai", "menu", "mulai", "hi", "hello", "tukang", "p"}
YES_WORDS = {"ya", "y", "iya", "kirim", "ok", "oke", "setuju"}
NO_WORDS = {"tidak", "no", "n", "gak", "nggak"}


@dataclass(frozen=True)
class Incoming:
    text: str = ""
    reply_id: str = ""  # the id of an interactive button_reply/list_reply


@dataclass(frozen=True)
class TukangOption:
    id: int
    name: str
    rating: float | None
    rating_count: int
    rate_text: str


class Directory(Protocol):
    def find(self, skill: str) -> list[TukangOption]:
        """Available tukang with this skill, best first (at most MAX_LIST are shown)."""


@dataclass(frozen=True)
class Context:
    skills: Sequence[tuple[str, str]]  # (code, label) of the fixed skill list
    directory: Directory
    user_name: str | None  # the account matched by phone number, None for an unknown number
    register_url: str = ""


@dataclass(frozen=True)
class JobDraft:
    tukang_id: int
    skill: str
    description: str
    as_guest: bool


@dataclass(frozen=True)
class Choice:
    id: str  # the reply id the next step understands ("skill:listrik", "tukang:12", "confirm:yes")
    title: str
    description: str = ""


@dataclass(frozen=True)
class Menu:
    """The interactive form of one reply: a Cloud API `list` (up to 10 rows) or `button` (up to 3)."""

    kind: str  # "list" | "button"
    body: str
    choices: tuple[Choice, ...]
    button: str = "Pilih"  # the list's open button


@dataclass
class Step:
    state: str
    data: dict[str, Any]
    replies: list[str] = field(default_factory=list)
    create: JobDraft | None = None
    menus: dict[int, Menu] = field(default_factory=dict)  # reply index -> its interactive form


# Cloud API limits (characters): body 1024, list row title 24 and description 72, button title
# 20, list button 20, section title 24.
def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def cloud_api_message(to: str, menu: Menu) -> dict[str, Any]:
    """The WhatsApp Cloud API message (POST /<phone-number-id>/messages) for `menu` to `to`."""
    action: dict[str, Any]
    if menu.kind == "button":
        action = {
            "buttons": [
                {"type": "reply", "reply": {"id": c.id[:256], "title": _cut(c.title, 20)}} for c in menu.choices[:3]
            ]
        }
    else:
        rows = []
        for c in menu.choices[:MAX_LIST]:
            row = {"id": c.id[:200], "title": _cut(c.title, 24)}
            if c.description:
                row["description"] = _cut(c.description, 72)
            rows.append(row)
        action = {"button": _cut(menu.button, 20), "sections": [{"title": _cut(menu.button, 24), "rows": rows}]}
    return {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to.lstrip("+"),
        "type": "interactive",
        "interactive": {"type": menu.kind, "body": {"text": _cut(menu.body, 1024)}, "action": action},
    }


def _skill_step(ctx: Context, before: Sequence[str] = (), greeting: str = "") -> Step:
    replies = [*before, *skill_menu(ctx, greeting)]
    body = f"{greeting}\nCari tukang apa?" if greeting else "Cari tukang apa?"
    menu = Menu("list", body, tuple(Choice(f"skill:{code}", label) for code, label in ctx.skills), "Pilih tukang")
    return Step(SKILL, {}, replies, menus={len(replies) - 1: menu})


def _norm(text: str) -> str:
    return " ".join(text.strip().lower().split())


def _pick(message: Incoming, prefix: str, options: Sequence[tuple[str, str]]) -> str | None:
    """The value chosen among (value, label) options: by reply id, number or (part of) a label."""
    if message.reply_id.startswith(prefix + ":"):
        value = message.reply_id[len(prefix) + 1 :]
        return value if any(value == v for v, _label in options) else None
    text = _norm(message.text)
    if text.isdigit():
        index = int(text)
        return options[index - 1][0] if 1 <= index <= len(options) else None
    if len(text) >= 3:
        hits = [v for v, label in options if text in label.lower() or text == v]
        if len(hits) == 1:
            return hits[0]
    return None


def skill_menu(ctx: Context, greeting: str = "") -> list[str]:
    lines = [greeting] if greeting else []
    lines.append("Cari tukang apa? Balas dengan angkanya:")
    lines += [f"{n}. {label}" for n, (_code, label) in enumerate(ctx.skills, 1)]
    lines.append("(Ketik BATAL kapan saja untuk berhenti.)")
    return ["\n".join(lines)]


def _stars(option: TukangOption) -> str:
    return f"★{option.rating:.1f} ({option.rating_count})" if option.rating is not None else "belum ada nilai"


def _tukang_menu(label: str, options: Sequence[TukangOption]) -> str:
    lines = [f"Tukang {label} yang siap bekerja:"]
    for n, option in enumerate(options, 1):
        lines.append(f"{n}. {option.name} · {_stars(option)} · {option.rate_text}")
    lines.append("Balas dengan angka tukang yang dipilih.")
    return "\n".join(lines)


def _confirm_text(data: dict[str, Any], ctx: Context) -> str:
    summary = f"Pesanan: {data['skill_label']} oleh {data['tukang_name']}.\nPekerjaan: {data['description']}"
    if ctx.user_name is not None:
        return f"{summary}\n\nKirim permintaan ini atas nama {ctx.user_name}?\n1. Ya, kirim\n2. Batal"
    register = f" di {ctx.register_url}" if ctx.register_url else ""
    return (
        f"{summary}\n\nNomor ini belum terdaftar di KotaKita. Tukang akan menghubungi nomor ini.\n"
        f"1. Kirim sebagai tamu\n2. Batal (daftar dulu{register})"
    )


def step(state: str, data: dict[str, Any], message: Incoming, ctx: Context) -> Step:
    """One turn of the conversation; never raises on what a person may type."""
    text = _norm(message.text)
    if state not in STATES:
        state, data = IDLE, {}
    if text in CANCEL_WORDS or (message.reply_id == "confirm:no" and state != CONFIRM):
        return Step(IDLE, {}, ["Baik, dibatalkan. Ketik HALO untuk mencari tukang lagi."])
    if state == IDLE or text in RESTART_WORDS:
        greeting = f"Halo {ctx.user_name}!" if ctx.user_name else "Halo! Ini GoTukang kelurahan."
        return _skill_step(ctx, greeting=greeting)
    if state == SKILL:
        return _on_skill(message, ctx)
    if state == TUKANG:
        return _on_tukang(data, message)
    if state == DESCRIBE:
        return _on_describe(data, message, ctx)
    return _on_confirm(data, message, ctx)


def _on_skill(message: Incoming, ctx: Context) -> Step:
    code = _pick(message, "skill", ctx.skills)
    if code is None:
        return _skill_step(ctx, ["Maaf, pilihan itu tidak ada."])
    label = dict(ctx.skills)[code]
    options = ctx.directory.find(code)[:MAX_LIST]
    if not options:
        return _skill_step(ctx, [f"Belum ada tukang {label} yang siap saat ini."])
    data = {"skill": code, "skill_label": label, "options": [[o.id, o.name] for o in options]}
    menu = Menu(
        "list",
        f"Tukang {label} yang siap bekerja. Pilih satu:",
        tuple(Choice(f"tukang:{o.id}", o.name, f"{_stars(o)} · {o.rate_text}") for o in options),
        "Pilih tukang",
    )
    return Step(TUKANG, data, [_tukang_menu(label, options)], menus={0: menu})


def _on_tukang(data: dict[str, Any], message: Incoming) -> Step:
    options = [(str(tid), name) for tid, name in data.get("options", [])]
    chosen = _pick(message, "tukang", options)
    if chosen is None:
        return Step(TUKANG, data, ["Balas dengan angka tukang dari daftar, atau BATAL."])
    data = {**data, "tukang_id": int(chosen), "tukang_name": dict(options)[chosen]}
    return Step(
        DESCRIBE,
        data,
        [f"Anda memilih {data['tukang_name']}. Ceritakan pekerjaannya (contoh: keran kamar mandi bocor)."],
    )


def _on_describe(data: dict[str, Any], message: Incoming, ctx: Context) -> Step:
    description = " ".join(message.text.split())
    if len(description) < MIN_DESCRIPTION:
        return Step(DESCRIBE, data, ["Ceritakan sedikit lebih lengkap pekerjaannya, ya."])
    if len(description) > MAX_DESCRIPTION:  # refused, never cut: the person sends a shorter one
        return Step(DESCRIBE, data, [too_long_reply(MAX_DESCRIPTION)])
    data = {**data, "description": description}
    text = _confirm_text(data, ctx)
    question = text.rsplit("\n1. ", 1)[0]  # the buttons replace the numbered answers
    yes = (
        Choice("confirm:yes", "Ya, kirim")
        if ctx.user_name is not None
        else Choice("confirm:guest", "Kirim sebagai tamu")
    )
    menu = Menu("button", question, (yes, Choice("confirm:no", "Batal")))
    return Step(CONFIRM, data, [text], menus={0: menu})


def too_long_reply(limit: int) -> str:
    return f"Ceritanya terlalu panjang: paling banyak {limit} huruf. Kirim cerita yang lebih singkat, ya."


def _on_confirm(data: dict[str, Any], message: Incoming, ctx: Context) -> Step:
    text = _norm(message.text)
    if message.reply_id in ("confirm:yes", "confirm:guest") or text == "1" or text in YES_WORDS:
        draft = JobDraft(
            tukang_id=int(data["tukang_id"]),
            skill=str(data["skill"]),
            description=str(data["description"]),
            as_guest=ctx.user_name is None,
        )
        return Step(IDLE, {}, [], create=draft)
    if message.reply_id == "confirm:no" or text == "2" or text in NO_WORDS:
        return Step(IDLE, {}, ["Baik, permintaan tidak dikirim. Ketik HALO untuk mulai lagi."])
    return Step(CONFIRM, data, ["Balas 1 untuk mengirim atau 2 untuk batal."])
