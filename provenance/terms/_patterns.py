"""Phrase patterns for the terms classifier, per language, on folded text.

Text is folded before matching (lowercase, accents removed: ``interdit`` matches
``INTERDIT`` and ``interdît``; ``durfen`` matches ``dürfen``; ``ß`` becomes ``ss``), so the
patterns below are written in folded form. Each pattern has a short label that becomes
part of the clause's ``rule`` so a reader can see which rule fired.

Cue modes:
- ``strong``: the words themselves prohibit, whoever the subject is (``is prohibited``,
  ``est interdit``, ``ist untersagt``, ``we do not allow``, ``you agree not to``);
  attributive uses do not count (``prohibited content`` is not a prohibition of anything
  else in the sentence, and ``verbotene`` does not match ``verboten``);
- ``modal``: a negated modal (``may not``, ``ne pouvez pas``, ``dürfen keine``), which
  prohibits only when the operator is not the word just before it (``We may not be able
  to...`` is not a prohibition);
- ``subject``: a condition (``without your consent``) that prohibits only when the sentence
  is not the operator speaking of itself (``We do not use facial recognition without your
  consent`` is a promise, not a prohibition);
- ``reserve``: a rights reservation or opt-out, which prohibits only text and data mining
  (``We reserve the rights to text and data mining``; ``Nutzungsvorbehalt``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from provenance.terms.model import ClauseKind

_W = r"(?:[\w'-]+\s+)"  # one word and its trailing space


def _rx(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


@dataclass(frozen=True, slots=True)
class Rule:
    """One labelled pattern."""

    label: str
    rx: re.Pattern[str]
    tdm: bool = False  # the topic is text and data mining (a "reserve" cue may apply)
    only: bool = False  # a restriction read with "only" (non-commercial use only)


@dataclass(frozen=True, slots=True)
class Cue:
    """One labelled prohibition cue and how its subject is checked."""

    label: str
    rx: re.Pattern[str]
    mode: str  # "strong", "modal", "subject", "reserve" or "only"


def _cues(mode: str, *pairs: tuple[str, str]) -> tuple[Cue, ...]:
    return tuple(Cue(label, _rx(p), mode) for label, p in pairs)


@dataclass(frozen=True, slots=True)
class Language:
    """All the patterns for one language."""

    code: str
    topics: dict[ClauseKind, tuple[Rule, ...]]
    cues: tuple[Cue, ...]
    cancel: tuple[re.Pattern[str], ...]  # a prohibition word used to deny a prohibition
    operator: re.Pattern[str]  # the operator as subject, just before a modal cue
    operator_sentence: re.Pattern[str]  # a sentence whose subject is the operator
    exception: re.Pattern[str]
    licence: tuple[Rule, ...]
    licence_negated: re.Pattern[str]
    no_before_topic: re.Pattern[str]  # "no robots", "aucun robot", "keine Crawler"


def _rules(
    *pairs: tuple[str, str], tdm: tuple[str, ...] = (), only: tuple[str, ...] = ()
) -> tuple[Rule, ...]:
    return tuple(Rule(label, _rx(p), label in tdm, label in only) for label, p in pairs)


_CONTENT_EN = (
    r"(?:content|contents|data|material|materials|information|images?|photos?|photographs?|"
    r"pictures?|videos?|works?|profiles?|posts?|listings?|databases?)"
)
_CONTENT_FR = (
    r"(?:contenus?|donnees|materiel|informations?|images?|photos?|photographies|videos?|"
    r"oeuvres?|profils?|publications?|articles?|bases? de donnees)"
)
_CONTENT_DE = (
    r"(?:inhalte?n?|daten|materialien|informationen|bilder[n]?|fotos?|fotografien|videos?|"
    r"werke?|profile?|beitrage?|datenbank\w*)"
)

EN = Language(
    code="en",
    topics={
        ClauseKind.PROHIBITS_SCRAPING: _rules(
            ("scrape", r"\b(?:screen[- ]|web[- ])?scrap(?:e|es|ed|ing|ers?)\b"),
            ("crawl", r"\bcrawl(?:s|ed|ing|ers?)?\b"),
            ("spider", r"\bspiders?\b"),
            ("robot", r"\brobots?\b(?!\.txt|\s+exclusion|\s+meta)"),
            ("bot", r"\bbots?\b"),
            (
                "automated-means",
                r"\bautomat(?:ed|ic|ically)\s+" + _W + r"{0,3}(?:means|access|accessing|"
                r"collection|collecting|extraction|scripts?|systems?|tools?|software|process(?:es)?|"
                r"queries|requests|methods?|devices?|programs?|technolog\w+|retrieval|"
                r"downloading|data)\b",
            ),
            ("text-and-data-mining", r"\btext\s+(?:and|&)\s+data[- ]mining\b|\btdm\b"),
            ("data-mining", r"\bdata[- ]mining\b"),
            ("harvest", r"\bharvest(?:s|ed|ing|ers?)?\b"),
            (
                "systematic-retrieval",
                r"\b(?:systematic(?:ally)?|bulk|mass)\s+" + _W + r"{0,2}(?:retriev\w+|collect\w+|"
                r"download\w+|extract\w+|cop(?:y|ies|ying))",
            ),
            tdm=("text-and-data-mining", "data-mining"),
        ),
        ClauseKind.PROHIBITS_BIOMETRIC: _rules(
            ("facial-recognition", r"\bfac(?:ial|e)[- ]recogni(?:tion|[sz]ing|[sz]ation)\b"),
            ("biometric", r"\bbiometric(?:s|al|ally)?\b"),
            ("faceprint", r"\bface[- ]?prints?\b"),
            (
                "facial-templates",
                r"\bfac(?:ial|e)\s+(?:geometry|templates?|identification|matching|"
                r"analysis|signatures?|vectors?|embeddings?)\b",
            ),
        ),
        ClauseKind.PROHIBITS_COMMERCIAL_REUSE: _rules(
            (
                "commercial-purpose",
                r"(?<!non-)(?<!non )\bcommercial(?:ly)?\s+(?:purposes?|use|uses|usage|"
                r"exploitation|exploit\w*|reuse|re-use|gain|advantage|benefit|activit\w+|manner|way|"
                r"distribution|redistribution)\b",
            ),
            ("for-commercial", r"\bfor\s+(?:any\s+)?(?:commercial|business|profit)\b"),
            ("commercially", r"(?<!non-)\bcommercially\b"),
            ("non-commercial-only", r"\bnon-?\s?commercial\b"),
            (
                "sell-content",
                r"\b(?:sell|re-?sell|sub-?licen[cs]e|rent|lease|monetise|monetize|trade)\s+"
                + _W
                + r"{0,6}"
                + _CONTENT_EN
                + r"\b",
            ),
            only=("non-commercial-only",),
        ),
    },
    cues=_cues(
        "strong",
        ("prohibit", r"\b(?:prohibit|prohibits|forbid|forbids)\b"),
        (
            "is-prohibited",
            r"\b(?:is|are|be|being|remains?)\s+(?:\w+\s+)?(?:strictly\s+|expressly\s+)?"
            r"(?:prohibited|forbidden)\b|\bstrictly\s+(?:prohibited|forbidden)\b",
        ),
        (
            "prohibited-uses",
            r"^\s*(?:[-•*–]\s*)?(?:prohibited|forbidden|restricted)\s+"
            r"(?:uses?|activities|conduct|actions|practices)\b",
        ),
        (
            "not-permitted",
            r"\bnot\s+(?:be\s+)?(?:allowed|permitted|authori[sz]ed|tolerated|acceptable)\b",
        ),
        ("do-not-allow", r"\b(?:do|does|will)\s+not\s+(?:allow|permit|authori[sz]e|tolerate)\b"),
        (
            "agree-not-to",
            r"\bagree\s+(?:that\s+you\s+(?:will|shall)\s+)?not\s+to\b|\bagree\s+not\b",
        ),
        ("refrain", r"\brefrain\s+from\b"),
        ("violation", r"\b(?:is|are|constitutes?)\s+(?:a\s+)?(?:violation|breach)\s+of\b"),
        ("imperative", r"^\s*(?:[-•*–]\s*|\(?[a-z0-9]{1,3}[.)]\s+)?(?:do\s+not|don't|never)\b"),
    )
    + _cues(
        "modal",
        (
            "modal-not",
            r"\b(?:must|may|shall|should|will|can|could)\s+(?:\w+\s+)?not\b|"
            r"\b(?:mustn't|shan't|can't|cannot|won't|may\s+never|must\s+never|shall\s+never)\b",
        ),
    )
    + _cues(
        "subject",
        (
            "without-consent",
            r"\bwithout\s+" + _W + r"{0,4}(?:permission|consent|authori[sz]ation|approval|"
            r"agreement)\b",
        ),
    )
    + _cues(
        "reserve",
        ("reserve-rights", r"\breserv(?:e|es|ed|ing)\s+" + _W + r"{0,6}(?:rights?)\b"),
        ("opt-out", r"\bopt(?:s|ed)?[- ]out\b"),
        ("express-reservation", r"\b(?:expressly|explicitly)\s+reserv\w+"),
    )
    + _cues("only", ("only", r"\b(?:only|solely|exclusively)\b")),
    cancel=(
        _rx(r"\b(?:does|do|will|shall)\s+not\s+prohibit\w*"),
        _rx(r"\bnot\s+(?:be\s+)?(?:prohibited|forbidden)\b"),
        _rx(r"\bnothing\s+(?:[\w'-]+[ ,]+){0,10}?(?:prohibits?|forbids?|restricts?|prevents?)\b"),
    ),
    operator=_rx(r"\b(?:we|our\s+\w+|us)\s+(?:\w+\s+){0,2}$"),
    operator_sentence=_rx(r"^\s*(?:[-•*–]\s*)?(?:we|our\s+\w+)\b"),
    exception=_rx(
        r"\b(?:except|excepting|unless|other\s+than|save\s+for|excluding|"
        r"with\s+the\s+exception\s+of|apart\s+from|but\s+not\s+including)\b"
    ),
    licence=_rules(
        ("creative-commons", r"\bcreative\s+commons\b"),
        ("cc-licence", r"\bcc[- ]?(?:by|0|zero)(?:[- ](?:sa|nc|nd))*(?:[- ]?\d\.\d)?\b"),
        (
            "under-licence",
            r"\b(?:licen[cs]ed|available|released|published|distributed|made\s+available|"
            r"reuse|re-use|republish|reproduce|share|redistribute)\s+" + _W + r"{0,8}?"
            r"under\s+(?:the\s+(?:terms\s+of\s+(?:the\s+)?)?|a\s+|an\s+)?" + _W + r"{0,5}"
            r"licen[cs]e\b",
        ),
        ("open-licence", r"\bopen\s+(?:government|data(?:base)?)\s+licen[cs]e\b|\bodbl\b"),
        (
            "public-domain",
            r"\b(?:dedicated\s+to\s+the\s+public\s+domain|public\s+domain\s+dedication)\b",
        ),
    ),
    licence_negated=_rx(r"\bnot\s+(?:\w+\s+){0,2}(?:licen[cs]ed|available|released)\s+under\b"),
    no_before_topic=_rx(r"\bno\s+(?:[\w-]+\s+){0,2}$"),
)

FR = Language(
    code="fr",
    topics={
        ClauseKind.PROHIBITS_SCRAPING: _rules(
            ("moissonnage", r"\bmoissonn\w+"),
            (
                "collecte-automatisee",
                r"\b(?:collecte|extraction|aspiration|indexation|copie|telechargement)s?\s+"
                r"(?:\w+\s+){0,2}(?:automatis\w+|automatiques?|systematiques?|massives?)\b",
            ),
            (
                "moyens-automatises",
                r"\b(?:moyens?|procedes?|outils?|logiciels?|programmes?|systemes?|dispositifs?|"
                r"scripts?|acces|requetes)\s+(?:\w+\s+){0,2}automatis\w+",
            ),
            (
                "extraire-automatiquement",
                r"\b(?:extraire|collecter|recueillir|copier|telecharger|aspirer)\s+"
                r"(?:[\w']+\s+){0,6}(?:de\s+(?:maniere|facon)|par\s+(?:des|un)\s+moyens?)\s+"
                r"(?:automatis\w+|automatique|systematique)",
            ),
            ("fouille-textes-donnees", r"\bfouille\s+de\s+textes?\s+et\s+de\s+donnees\b"),
            ("fouille-donnees", r"\bfouille\s+de\s+donnees\b|\bexploration\s+de\s+donnees\b"),
            ("robot", r"\brobots?\b(?!\.txt)"),
            ("araignee", r"\baraignees?\b"),
            ("aspirateur", r"\baspirat(?:eur|eurs|ion)\b|\baspirer\b"),
            ("scraping", r"\b(?:web\s+)?scraping\b|\bcrawl(?:ing|ers?)\b|\bgrattage\b"),
            tdm=("fouille-textes-donnees", "fouille-donnees"),
        ),
        ClauseKind.PROHIBITS_BIOMETRIC: _rules(
            ("reconnaissance-faciale", r"\breconnaissance\s+faciale\b"),
            ("biometrique", r"\bbiometri(?:que|ques|e)\b"),
            ("gabarits", r"\b(?:gabarits?|empreintes?|modeles?)\s+faciau?x?\w*\b"),
            ("identification-faciale", r"\bidentification\s+faciale\b"),
        ),
        ClauseKind.PROHIBITS_COMMERCIAL_REUSE: _rules(
            ("fins-commerciales", r"\bfins?\s+(?!non\b)(?:\w+\s+)?commerciales?\b"),
            (
                "usage-commercial",
                r"\b(?:usage|utilisation|exploitation|reutilisation|diffusion)s?\s+"
                r"commerciale?s?\b",
            ),
            ("commercialiser", r"\bcommercialis\w+"),
            ("non-commercial-seulement", r"\bnon[- ]commercia(?:l|le|les|ux)\b"),
            (
                "vendre-contenu",
                r"\b(?:vendre|revendre|louer|ceder|monnayer)\s+(?:[\w']+\s+){0,6}"
                + _CONTENT_FR
                + r"\b",
            ),
            only=("non-commercial-seulement",),
        ),
    },
    cues=_cues(
        "strong",
        (
            "est-interdit",
            r"\b(?:est|sont|sera|seront|reste|restent|demeure|demeurent)\s+(?:\w+\s+)?"
            r"(?:interdit|prohibe|defendu)(?:e|es|s)?\b",
        ),
        ("interdiction", r"\binterdiction\b"),
        (
            "interdire",
            r"\binterdi(?:sons|sent|ra|ront)\b|\binterdit\s+(?:\w+\s+)?(?:l'|le|la|les|d'|de|toute?)",
        ),
        ("interdit-debut", r"^\s*(?:[-•*–]\s*)?(?:il\s+est\s+)?(?:strictement\s+)?interdit\w*"),
        (
            "pas-autorise",
            r"\bn'(?:est|sont)\s+pas\s+(?:autorise|permis)\w*|"
            r"\bne\s+(?:sont|seront|sera)\s+pas\s+(?:autorise|permis)\w*",
        ),
        (
            "aucun-autorise",
            r"\b(?:aucun|aucune|nul|nulle)\b.{0,80}?\bn'(?:est|sont)\s+(?:autorise|permis)\w*",
        ),
        ("nul-ne-peut", r"\bnul\s+ne\s+peut\b"),
        ("engage-ne-pas", r"\bengag\w*\s+a\s+ne\s+(?:pas|jamais)\b"),
        ("ne-pas-imperatif", r"^\s*(?:[-•*–]\s*)?(?:ne\s+pas|ne\s+jamais|n'utilisez\s+pas)\b"),
        ("n-autorisons-pas", r"\bn'(?:autoris|accept|toler)\w+\s+pas\b"),
    )
    + _cues(
        "modal",
        (
            "modal-ne-pas",
            r"\bne\s+(?:doit|doivent|devez|devrez|pouvez|peut|peuvent|pourrez|pourra|"
            r"pourront|saurait|sauraient)\s+(?:[\w']+\s+){0,2}(?:pas|jamais|en\s+aucun\s+cas)\b",
        ),
    )
    + _cues(
        "subject",
        (
            "sans-autorisation",
            r"\bsans\s+(?:l'|notre\s+|leur\s+|votre\s+|le\s+|un\s+)?(?:[\w']+\s+){0,2}"
            r"(?:autorisation|accord|consentement|permission|approbation)\b",
        ),
    )
    + _cues(
        "reserve",
        ("s-oppose", r"\b(?:s'oppose\w*|nous\s+opposons|opposition)\b"),
        ("se-reserve", r"\breserv\w*\s+(?:[\w']+\s+){0,6}droits?\b"),
        ("opt-out", r"\bopt[- ]out\b"),
    )
    + _cues("only", ("uniquement", r"\b(?:uniquement|exclusivement|seulement)\b")),
    cancel=(
        _rx(r"\bn'interdi\w*\s+pas\b"),
        _rx(r"\bn'(?:est|sont)\s+pas\s+interdi\w*"),
        _rx(r"\baucune\s+disposition\b.{0,80}\binterdi\w*"),
    ),
    operator=_rx(r"\bnous\s+(?:[\w']+\s+){0,2}$"),
    operator_sentence=_rx(r"^\s*(?:[-•*–]\s*)?nous\b"),
    exception=_rx(
        r"\b(?:sauf|excepte|a\s+l'exception\s+d(?:e|es|u)|hormis|a\s+moins\s+(?:que|d')|"
        r"hors\s+le\s+cas)\b"
    ),
    licence=_rules(
        ("creative-commons", r"\bcreative\s+commons\b"),
        ("cc-licence", r"\bcc[- ]?(?:by|0|zero)(?:[- ](?:sa|nc|nd))*(?:[- ]?\d\.\d)?\b"),
        ("sous-licence", r"\bsous\s+(?:la\s+|une\s+|les\s+termes\s+de\s+la\s+)?licence\b"),
        ("licence-ouverte", r"\blicence\s+ouverte\b"),
        ("domaine-public", r"\bverse\w*\s+dans\s+le\s+domaine\s+public\b"),
    ),
    licence_negated=_rx(r"\bn'(?:est|sont)\s+pas\s+(?:\w+\s+){0,2}sous\s+licence\b"),
    no_before_topic=_rx(r"\b(?:aucun|aucune)\s+(?:[\w-]+\s+){0,2}$"),
)

DE = Language(
    code="de",
    topics={
        ClauseKind.PROHIBITS_SCRAPING: _rules(
            ("scraping", r"\b(?:screen-?|web-?)?scrap(?:ing|en|er|ern|t)\b"),
            ("crawler", r"\bcrawl(?:er|ern|ing|en|t)?\b"),
            ("spider", r"\bspider[n]?\b"),
            ("robot", r"\brobots?\b(?!\.txt)"),
            ("bot", r"\bbots?\b"),
            (
                "automatisierte-erfassung",
                r"\bautomati(?:siert|sch)\w*\s+(?:\w+\s+){0,2}(?:erfassung|erfassen|abruf\w*|"
                r"zugriff\w*|auslesen|abfrage\w*|verfahren|mittel[ns]?|programme?n?|systeme?n?|"
                r"software|datenerhebung|sammlung|sammeln|extraktion|extrahieren|skripte?n?|"
                r"werkzeuge?n?|tools?|herunterladen|kopieren)\b",
            ),
            (
                "text-und-data-mining",
                r"\btext-?\s*(?:und|&)\s*data-?\s*mining\b|\btdm\b",
            ),
            ("data-mining", r"\bdata-?\s*mining\b"),
            ("web-harvesting", r"\b(?:web-?)?harvesting\b"),
            (
                "systematisch-auslesen",
                r"\bsystematisch\w*\s+(?:\w+\s+){0,3}(?:auslesen|abrufen|abruf|herunterladen|"
                r"extrahieren|sammeln|erfassen|kopieren)\b",
            ),
            tdm=("text-und-data-mining", "data-mining"),
        ),
        ClauseKind.PROHIBITS_BIOMETRIC: _rules(
            ("gesichtserkennung", r"\bgesichtserkennung\w*"),
            ("biometrisch", r"\bbiometri(?:sch\w*|e)\b"),
            ("gesichtsmerkmale", r"\bgesichts(?:vorlagen|merkmale|geometrie|biometrie)\b"),
        ),
        ClauseKind.PROHIBITS_COMMERCIAL_REUSE: _rules(
            ("kommerziell", r"(?<!nicht-)(?<!nicht )\b(?:kommerziell|gewerblich)(?:e|en|er|es)?\b"),
            ("nicht-kommerziell-nur", r"\bnicht-?\s?kommerziell\w*|\bnichtkommerziell\w*"),
            ("zu-kommerziellen-zwecken", r"\bzu\s+(?:kommerziellen|gewerblichen)\s+zwecken\b"),
            (
                "verkaufen-inhalte",
                r"\b(?:verkaufen|weiterverkaufen|verkauf|weiterverkauf|vermieten|vermarkten|"
                r"lizenzieren)\s+(?:\w+\s+){0,6}"
                + _CONTENT_DE
                + r"\b|\b"
                + _CONTENT_DE
                + r"\s+(?:\w+\s+){0,6}(?:zu\s+)?(?:verkaufen|weiterverkaufen|vermarkten)\b",
            ),
            only=("nicht-kommerziell-nur",),
        ),
    },
    cues=_cues(
        "strong",
        ("untersagt", r"\buntersagt\b|\buntersagen\b"),
        ("verboten", r"\bverboten\b"),
        ("unzulaessig", r"\bunzulassig\b"),
        ("nicht-gestattet", r"\bnicht\s+(?:gestattet|erlaubt|zulassig|statthaft)\b"),
        ("verpflichtet-nicht", r"\bverpflichte\w*\s+sich\b.{0,80}?\b(?:nicht|keine\w*)\b"),
        ("unterlassen", r"\bunterlass\w+\b"),
    )
    + _cues(
        "modal",
        (
            "modal-nicht",
            r"\b(?:durfen|darf|darfst|konnen|kann)\s+(?:\w+\s+){0,6}?(?:nicht|keine\w*)\b|"
            r"\b(?:nicht|keine\w*)\s+(?:\w+\s+){0,6}?(?:durfen|darf)\b",
        ),
    )
    + _cues(
        "subject",
        (
            "ohne-zustimmung",
            r"\bohne\s+(?:\w+\s+){0,3}(?:zustimmung|genehmigung|einwilligung|erlaubnis|"
            r"freigabe)\b",
        ),
    )
    + _cues(
        "reserve",
        ("nutzungsvorbehalt", r"\bnutzungsvorbehalt\w*"),
        ("behalten-vor", r"\bbehalt\w*\s+(?:\w+\s+){0,2}uns\b.{0,120}?\bvor\b"),
        ("vorbehalten", r"\bvorbehalten\b"),
        ("widersprechen", r"\bwidersprech\w*|\bwiderspruch\b"),
        ("opt-out", r"\bopt-?out\b"),
    )
    + _cues("only", ("ausschliesslich", r"\b(?:ausschliesslich|nur|lediglich)\b")),
    cancel=(
        _rx(r"\bnicht\s+(?:untersagt|verboten)\b"),
        _rx(r"\buntersag\w*\s+(?:\w+\s+){0,3}nicht\b"),
    ),
    operator=_rx(r"(?:^|\b)(?:wir|uns)\s+(?:\w+\s+){0,3}$"),
    operator_sentence=_rx(r"^\s*(?:[-•*–]\s*)?wir\b"),
    exception=_rx(
        r"\b(?:ausser|ausgenommen|es\s+sei\s+denn|mit\s+ausnahme|sofern\s+nicht|soweit\s+nicht|"
        r"abgesehen\s+von)\b"
    ),
    licence=_rules(
        ("creative-commons", r"\bcreative[- ]commons\b"),
        ("cc-licence", r"\bcc[- ]?(?:by|0|zero)(?:[- ](?:sa|nc|nd))*(?:[- ]?\d\.\d)?\b"),
        (
            "unter-lizenz",
            r"\b(?:unter|gemass)\s+(?:der|einer|den\s+bedingungen\s+der)\s+(?:[\w.-]+\s+){0,4}"
            r"lizenz\b|\blizenziert\s+unter\b",
        ),
        ("gemeinfrei", r"\bgemeinfrei\b"),
    ),
    licence_negated=_rx(r"\bnicht\s+(?:\w+\s+){0,2}(?:unter|lizenziert)\b"),
    no_before_topic=_rx(r"\b(?:keine|kein|keinen|keinerlei)\s+(?:[\w-]+\s+){0,2}$"),
)

LANGUAGES: tuple[Language, ...] = (EN, FR, DE)
BY_CODE: dict[str, Language] = {lang.code: lang for lang in LANGUAGES}
