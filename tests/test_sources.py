"""Which hubs show a release, and what cards and records say of it (tracker.hub.sources, views, l10n)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tracker.hub.sources import entry, lead, sources_of
from tracker.render.l10n import lead_time, speaking
from tracker.render.views import record
from tracker.store.tables import TrackedModel
from tracker.telegram.cards import release_card

T0 = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def model(**kw: object) -> TrackedModel:
    base = dict(repo_id="zai-org/GLM-5-Air", lab="Zhipu / Z.ai", org="zai-org", first_seen_at=T0,
                released_at=T0, params_total=106_000_000_000, license_id="mit", license_class="permissive")
    return TrackedModel(**{**base, **kw})


def both() -> TrackedModel:
    return model(sources=[entry("modelscope", "ZhipuAI/GLM-5-Air", "https://modelscope.cn/models/ZhipuAI/GLM-5-Air",
                                T0),
                          entry("huggingface", "zai-org/GLM-5-Air", "https://huggingface.co/zai-org/GLM-5-Air",
                                T0 + timedelta(hours=2, minutes=10))])


def test_a_row_stored_before_is_on_the_hub_only() -> None:
    row = model()
    assert sources_of(row) == [{"hub": "huggingface", "repo_id": "zai-org/GLM-5-Air",
                                "url": "https://huggingface.co/zai-org/GLM-5-Air",
                                "first_seen_at": "2026-12-07T08:00:00Z"}]
    assert lead(row).first == "huggingface" and lead(row).by is None


def test_lead_time_reads_like_a_person_says_it() -> None:
    assert [lead_time(s) for s in (20, 45 * 60, 2 * 3600 + 600, 3 * 86400 + 4 * 3600, 86400)] == [
        "1 min", "45 min", "2 h 10 min", "3 d 4 h", "1 d"]
    with speaking("it"):
        assert lead_time(3 * 86400) == "3 g"


def test_the_card_links_both_hubs_and_says_which_was_first_in_english_and_italian() -> None:
    en = release_card([both()], "en", "https://huggingface.co")
    assert "on ModelScope 2 h 10 min before Hugging Face" in en
    assert 'href="https://modelscope.cn/models/ZhipuAI/GLM-5-Air"' in en
    assert 'href="https://huggingface.co/zai-org/GLM-5-Air"' in en
    it = release_card([both()], "it", "https://huggingface.co")
    assert "su ModelScope 2 h 10 min prima che su Hugging Face" in it


def test_a_release_only_on_modelscope_says_so_and_links_there() -> None:
    row = model(repo_id="ZhipuAI/GLM-5-Air", org="ZhipuAI", sources=[
        entry("modelscope", "ZhipuAI/GLM-5-Air", "https://modelscope.cn/models/ZhipuAI/GLM-5-Air", T0)])
    card = release_card([row], "en", "https://huggingface.co")
    assert "Only on ModelScope so far" in card and "huggingface.co" not in card
    assert card.count('href="https://modelscope.cn/models/ZhipuAI/GLM-5-Air"') == 2  # the title and the hub line
    assert "Per ora solo su ModelScope" in release_card([row], "it", "https://huggingface.co")
    data = record(row, "https://huggingface.co")
    assert data["url"] == "https://modelscope.cn/models/ZhipuAI/GLM-5-Air" and data["first_hub"] == "modelscope"


def test_a_card_on_the_hub_only_is_unchanged_and_records_carry_sources() -> None:
    assert "📍" not in release_card([model()], "en", "https://huggingface.co")
    data = record(both(), "https://huggingface.co")
    assert [s["hub"] for s in data["sources"]] == ["modelscope", "huggingface"]
    assert data["first_hub"] == "modelscope" and data["hub_lead_s"] == 7800


def test_no_lead_is_claimed_when_a_hub_was_recorded_by_a_first_look() -> None:
    row = model(sources=[entry("huggingface", "zai-org/GLM-5-Air", "https://huggingface.co/zai-org/GLM-5-Air", T0),
                         entry("modelscope", "ZhipuAI/GLM-5-Air", "https://modelscope.cn/models/ZhipuAI/GLM-5-Air",
                               T0 + timedelta(days=3), backfill=True)])
    assert lead(row).by is None
    card = release_card([row], "en", "https://huggingface.co")
    assert "ModelScope" in card and "before" not in card
