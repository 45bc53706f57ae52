"""Short plain-text strings per language: button labels and command descriptions (messages are templates)."""

from __future__ import annotations

LANGUAGES = ("en", "it")

COMMANDS: dict[str, list[tuple[str, str]]] = {
    "en": [
        ("start", "What this bot is and how to subscribe"),
        ("help", "All commands"),
        ("recent", "Latest releases: /recent [N] [lab]"),
        ("lab", "One lab and its latest releases: /lab NAME"),
        ("model", "One model's facts: /model QUERY"),
        ("labs", "The labs we watch"),
        ("subscribe", "Get alerts in this chat: /subscribe [labs…]"),
        ("unsubscribe", "Stop the alerts"),
        ("settings", "Filters: labs, size, license, quantized, keywords, digest"),
        ("stats", "Releases per lab and region, all time too"),
        ("lang", "Language: /lang en|it"),
    ],
    "it": [
        ("start", "Cos'è questo bot e come iscriversi"),
        ("help", "Tutti i comandi"),
        ("recent", "Ultimi rilasci: /recent [N] [lab]"),
        ("lab", "Un lab e i suoi ultimi rilasci: /lab NOME"),
        ("model", "I dati di un modello: /model TESTO"),
        ("labs", "I lab che seguiamo"),
        ("subscribe", "Ricevi gli avvisi qui: /subscribe [lab…]"),
        ("unsubscribe", "Interrompi gli avvisi"),
        ("settings", "Filtri: lab, dimensione, licenza, quantizzati, parole chiave, riepilogo"),
        ("stats", "Rilasci per lab e per regione, anche da sempre"),
        ("lang", "Lingua: /lang en|it"),
    ],
}

ADMIN_COMMANDS: dict[str, list[tuple[str, str]]] = {
    "en": [("status", "Admin: polling state and queue"), ("pause", "Admin: pause polling and delivery"),
           ("resume", "Admin: resume"), ("unwatch", "Admin: stop watching an organisation added at runtime")],
    "it": [("status", "Admin: stato del polling e coda"), ("pause", "Admin: sospendi polling e invii"),
           ("resume", "Admin: riprendi"), ("unwatch", "Admin: smetti di seguire un'organizzazione aggiunta")],
}

_LABELS: dict[str, dict[str, str]] = {
    "en": {
        "newer": "◀ Newer", "older": "Older ▶", "labs": "Labs", "min": "Min size", "max": "Max size",
        "license": "Licenses", "quantized_on": "Quantized/GGUF: included", "quantized_off": "Quantized/GGUF: skipped",
        "keywords": "Keywords", "done": "Done", "back": "◀ Back", "any": "any", "all_labs": "All labs",
        "subscribe": "🔔 Subscribe", "unsubscribe": "🔕 Unsubscribe", "prev": "◀", "next": "▶",
        "saved": "Saved", "stale": "This button is no longer valid", "min_above_max": "Minimum is above maximum",
        "unknown_model": "That model is no longer stored", "error": "Something went wrong, try again",
        "active": "active", "open_hub": "Open on Hugging Face", "open_modelscope": "Open on ModelScope",
        "inline_none": "No release matches: open the bot",
        "openness": "Openness", "weights_on": "Weight updates: alerted", "weights_off": "Weight updates: not alerted",
        "digest": "Digest", "digest_off": "off (alerts one by one)", "digest_daily": "daily",
        "digest_weekly": "weekly",
        "quants_on": "First quantized build: told", "quants_off": "First quantized build: not told",
        "vram": "Memory", "vram_off": "any (no memory filter)",
    },
    "it": {
        "newer": "◀ Più recenti", "older": "Meno recenti ▶", "labs": "Lab", "min": "Dim. minima",
        "max": "Dim. massima", "license": "Licenze", "quantized_on": "Quantizzati/GGUF: inclusi",
        "quantized_off": "Quantizzati/GGUF: esclusi", "keywords": "Parole chiave", "done": "Fatto",
        "back": "◀ Indietro", "any": "qualsiasi", "all_labs": "Tutti i lab", "subscribe": "🔔 Iscriviti",
        "unsubscribe": "🔕 Disiscriviti", "prev": "◀", "next": "▶", "saved": "Salvato",
        "stale": "Questo pulsante non è più valido", "min_above_max": "Il minimo supera il massimo",
        "unknown_model": "Questo modello non è più in archivio", "error": "Qualcosa è andato storto, riprova",
        "active": "attivi", "open_hub": "Apri su Hugging Face", "open_modelscope": "Apri su ModelScope",
        "inline_none": "Nessun rilascio corrisponde: apri il bot",
        "openness": "Apertura", "weights_on": "Aggiornamenti dei pesi: segnalati",
        "weights_off": "Aggiornamenti dei pesi: non segnalati",
        "digest": "Riepilogo", "digest_off": "no (avvisi uno per uno)", "digest_daily": "giornaliero",
        "digest_weekly": "settimanale",
        "quants_on": "Prima build quantizzata: segnalata", "quants_off": "Prima build quantizzata: non segnalata",
        "vram": "Memoria", "vram_off": "qualsiasi (nessun filtro)",
    },
}


def label(lang: str, key: str) -> str:
    """A button label or a short callback answer (plain text, no markup)."""
    return _LABELS.get(lang, _LABELS["en"]).get(key) or _LABELS["en"][key]


def normalize_lang(code: str | None) -> str | None:
    """'it', 'it-IT' -> 'it'; anything we do not speak -> None."""
    if not code:
        return None
    short = code.strip().lower().replace("_", "-").split("-", 1)[0]
    return short if short in LANGUAGES else None
