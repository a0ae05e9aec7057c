"""The fixed words of the printed kit and dossier, in every letter language.

These documents are printed for offices and for tables at events, away from the web app's
interface translations; their few headings live here, one table per language.
"""

from __future__ import annotations

from collections.abc import Mapping

from campaign.models import DEFAULT_LANGUAGE

LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "talking_points": "Talking points",
        "for_letter_to": "For the letter to",
        "ask": "What we ask",
        "points": "Points to make in your own words",
        "in_short": "In short",
        "happened": "What happened",
        "sources": "Sources",
        "scan": "Scan the code to read the appeal and write online",
        "write_here": "Write a letter by hand, here and now",
        "organised_by": "Organised by",
        "offices": "The offices we write to",
        "dossier": "Delivery dossier",
        "prepared_for": "Prepared for",
        "handed_over": "Handed over on",
        "letters": "Letters sent to this office",
        "in_all": "In all",
        "per_day": "Letters per day",
        "per_channel": "Letters per channel",
        "day": "Day",
        "post": "Post",
        "email": "E-mail",
        "phone": "Phone",
        "fax": "Fax",
        "counts_note": (
            "Supporters reported each letter themselves. The counts are anonymous: office, "
            "channel and day only; they hold no personal data."
        ),
        "none_yet": "No letters counted yet.",
        "appeal": "The appeal",
        "appeal_note": "The letter each supporter sent, without their personal notes.",
        "campaign": "The campaign",
    },
    "it": {
        "talking_points": "Argomenti per la conversazione",
        "for_letter_to": "Per la lettera a",
        "ask": "Che cosa chiediamo",
        "points": "Argomenti da esporre con parole tue",
        "in_short": "In breve",
        "happened": "Che cosa è successo",
        "sources": "Fonti",
        "scan": "Inquadra il codice per leggere l'appello e scrivere online",
        "write_here": "Scrivi una lettera a mano, qui e ora",
        "organised_by": "Promosso da",
        "offices": "Gli uffici a cui scriviamo",
        "dossier": "Dossier di consegna",
        "prepared_for": "Preparato per",
        "handed_over": "Consegnato il",
        "letters": "Lettere inviate a questo ufficio",
        "in_all": "In tutto",
        "per_day": "Lettere al giorno",
        "per_channel": "Lettere per canale",
        "day": "Giorno",
        "post": "Posta",
        "email": "E-mail",
        "phone": "Telefono",
        "fax": "Fax",
        "counts_note": (
            "Ogni lettera è stata segnalata dai sostenitori stessi. I conteggi sono anonimi: "
            "solo ufficio, canale e giorno; non contengono dati personali."
        ),
        "none_yet": "Nessuna lettera contata finora.",
        "appeal": "L'appello",
        "appeal_note": "La lettera inviata da ogni sostenitore, senza le sue note personali.",
        "campaign": "La campagna",
    },
    "ru": {
        "talking_points": "Тезисы для разговора",
        "for_letter_to": "Для письма в адрес",
        "ask": "О чём мы просим",
        "points": "Что сказать своими словами",
        "in_short": "Коротко",
        "happened": "Что произошло",
        "sources": "Источники",
        "scan": "Отсканируйте код, чтобы прочитать обращение и написать письмо онлайн",
        "write_here": "Напишите письмо от руки прямо здесь",
        "organised_by": "Организатор",
        "offices": "Ведомства, которым мы пишем",
        "dossier": "Досье для передачи",
        "prepared_for": "Подготовлено для",
        "handed_over": "Передано",
        "letters": "Письма, направленные в это ведомство",
        "in_all": "Всего",
        "per_day": "Писем в день",
        "per_channel": "Письма по способу отправки",
        "day": "День",
        "post": "Почта",
        "email": "Эл. почта",
        "phone": "Телефон",
        "fax": "Факс",
        "counts_note": (
            "О каждом письме сообщили сами сторонники. Подсчёт анонимный: только ведомство, "
            "способ отправки и день; персональных данных в нём нет."
        ),
        "none_yet": "Писем пока не учтено.",
        "appeal": "Обращение",
        "appeal_note": "Письмо, которое отправил каждый сторонник, без личных приписок.",
        "campaign": "Кампания",
    },
}


def labels(language: str) -> Mapping[str, str]:
    """The words in `language`, English for a language without a table."""
    return LABELS.get(language) or LABELS[DEFAULT_LANGUAGE]
