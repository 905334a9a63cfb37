"""The WhatsApp conversation engine on its own (pure: no database)."""

from __future__ import annotations

from apps.tukang import bot

SKILLS = [("batu", "Tukang batu"), ("listrik", "Listrik"), ("ledeng", "Ledeng / pipa air")]


class Dir:
    def find(self, skill: str) -> list[bot.TukangOption]:
        if skill != "listrik":
            return []
        return [
            bot.TukangOption(7, "Mas Wawan", 4.5, 2, "Rp75.000 per pekerjaan"),
            bot.TukangOption(9, "Pak Budi", None, 0, "Rp100.000 per hari"),
        ]


def ctx(name: str | None = "Joko") -> bot.Context:
    return bot.Context(skills=SKILLS, directory=Dir(), user_name=name, register_url="http://x/akun/daftar/")


def run(messages: list[bot.Incoming], context: bot.Context) -> tuple[bot.Step, list[bot.Step]]:
    state, data, steps = bot.IDLE, {}, []
    for message in messages:
        result = bot.step(state, data, message, context)
        steps.append(result)
        state, data = result.state, result.data
    return steps[-1], steps


def test_full_conversation_creates_a_draft_for_a_known_user() -> None:
    last, steps = run(
        [
            bot.Incoming("halo"),
            bot.Incoming("2"),
            bot.Incoming("", reply_id="tukang:7"),
            bot.Incoming("Stopkontak dapur korslet"),
            bot.Incoming("ya"),
        ],
        ctx(),
    )
    assert "Halo Joko" in steps[0].replies[0] and "2. Listrik" in steps[0].replies[0]
    assert "Mas Wawan" in steps[1].replies[0] and "★4.5 (2)" in steps[1].replies[0]
    assert steps[2].state == bot.DESCRIBE
    assert steps[3].state == bot.CONFIRM and "atas nama Joko" in steps[3].replies[0]
    assert last.create == bot.JobDraft(7, "listrik", "Stopkontak dapur korslet", as_guest=False)
    assert last.state == bot.IDLE and last.data == {}


def test_choices_by_name_and_by_list_reply() -> None:
    last, _ = run([bot.Incoming("hai"), bot.Incoming("listrik"), bot.Incoming("budi")], ctx())
    assert last.state == bot.DESCRIBE and last.data["tukang_id"] == 9
    last, _ = run([bot.Incoming("hai"), bot.Incoming("", reply_id="skill:listrik")], ctx())
    assert last.state == bot.TUKANG


def test_unknown_number_is_offered_a_guest_request() -> None:
    last, steps = run(
        [
            bot.Incoming("halo"),
            bot.Incoming("2"),
            bot.Incoming("1"),
            bot.Incoming("Lampu teras mati"),
            bot.Incoming("1"),
        ],
        ctx(None),
    )
    assert "belum terdaftar" in steps[3].replies[0] and "http://x/akun/daftar/" in steps[3].replies[0]
    assert last.create is not None and last.create.as_guest


def test_wrong_answers_keep_the_step_and_cancel_resets() -> None:
    step = bot.step(bot.SKILL, {}, bot.Incoming("99"), ctx())
    assert step.state == bot.SKILL and "tidak ada" in step.replies[0]
    step = bot.step(bot.SKILL, {}, bot.Incoming("1"), ctx())  # no tukang batu available
    assert step.state == bot.SKILL and "Belum ada tukang Tukang batu" in step.replies[0]
    step = bot.step(bot.DESCRIBE, {"tukang_id": 7}, bot.Incoming("ok"), ctx())
    assert step.state == bot.DESCRIBE
    step = bot.step(bot.CONFIRM, {"tukang_id": 7}, bot.Incoming("BATAL"), ctx())
    assert step.state == bot.IDLE and step.create is None
    step = bot.step(bot.CONFIRM, {"x": 1}, bot.Incoming("2"), ctx())
    assert step.state == bot.IDLE and step.create is None
    step = bot.step("nonsense", {}, bot.Incoming("apa"), ctx())
    assert step.state == bot.SKILL


def test_choices_come_with_their_interactive_form() -> None:
    """Skills and tukang as a Cloud API `list`, the confirmation as `button`s; the text stays
    the fallback and the reply ids are the ones the next step understands."""
    _last, steps = run(
        [
            bot.Incoming("halo"),
            bot.Incoming(reply_id="skill:listrik"),
            bot.Incoming(reply_id="tukang:7"),
            bot.Incoming("Stopkontak dapur korslet"),
        ],
        ctx(),
    )
    skills, tukang, _describe, confirm = steps
    menu = skills.menus[len(skills.replies) - 1]
    assert menu.kind == "list" and [c.id for c in menu.choices] == ["skill:batu", "skill:listrik", "skill:ledeng"]
    message = bot.cloud_api_message("+6281234560001", tukang.menus[0])
    assert message["to"] == "6281234560001" and message["type"] == "interactive"
    interactive = message["interactive"]
    assert interactive["type"] == "list" and interactive["action"]["button"] == "Pilih tukang"
    rows = interactive["action"]["sections"][0]["rows"]
    assert rows[0] == {"id": "tukang:7", "title": "Mas Wawan", "description": "★4.5 (2) · Rp75.000 per pekerjaan"}
    buttons = bot.cloud_api_message("6281234560001", confirm.menus[0])["interactive"]
    assert buttons["type"] == "button" and "1. Ya" not in buttons["body"]["text"]
    assert [b["reply"]["id"] for b in buttons["action"]["buttons"]] == ["confirm:yes", "confirm:no"]
    assert all(len(b["reply"]["title"]) <= 20 for b in buttons["action"]["buttons"])
    guest = run(
        [bot.Incoming("halo"), bot.Incoming("2"), bot.Incoming("1"), bot.Incoming("Lampu teras mati")], ctx(None)
    )[0]
    assert guest.menus[0].choices[0].id == "confirm:guest"


def test_long_titles_are_cut_to_the_cloud_api_limits() -> None:
    long = bot.Menu("list", "x" * 2000, (bot.Choice("tukang:1", "N" * 40, "d" * 100),), "Pilih tukang sekarang juga ya")
    interactive = bot.cloud_api_message("62811", long)["interactive"]
    row = interactive["action"]["sections"][0]["rows"][0]
    assert len(row["title"]) == 24 and len(row["description"]) == 72
    assert len(interactive["body"]["text"]) == 1024 and len(interactive["action"]["button"]) == 20
