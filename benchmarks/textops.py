"""Text operations the synthetic corpus is built from: sentences, house style, paraphrase.

Every function is pure apart from the ``random.Random`` it is handed, so a
corpus is reproducible from its seed. House style works sentence by sentence
(no rule looks across a sentence boundary), which lets the tests check that a
styled copy contains the styled sentences of its original.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Iterable, Sequence

_SPLIT = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"”’]))\s+(?=[\"“‘(<]?[A-Z0-9])")
_ABBREVIATIONS = frozenset(
    "u.s. u.k. inc. corp. co. ltd. mr. mrs. ms. dr. st. no. vs. jan. feb. mar. apr. jun. jul. aug. "
    "sep. sept. oct. nov. dec. gov. sen. rep. gen. e.g. i.e. approx. dept. u.n. e.c. plc. bros. jr. sr. "
    "mass. calif. n.y. n.j. fla. pa. ill. tex. ont. que. conn. del. ga. md. mich. minn. mo. va. wash. wis.".split()
)
_INITIAL = re.compile(r"^(?:[A-Z]\.)+$")
_WORD = re.compile(r"[A-Za-z]+")
_NAME_TOKEN = r"(?:[A-Z]\.){2,}|[A-Z][A-Za-z0-9&'\-]*[A-Za-z0-9]"
_NAME = re.compile(rf"<[^<>]{{2,60}}>|\b(?:{_NAME_TOKEN})(?:\s+(?:(?:of|and|de)\s+)?(?:{_NAME_TOKEN}))*")
_NUMBER = re.compile(r"\b\d+(?:[.,]\d+)*\b")
_FUNCTION_WORDS = frozenset(
    "the a an it he she they we this that these those in on at for but also its their his her there "
    "some many most such one two three under after before while as".split()
)
_STOP_NAMES = frozenset(
    "The A An In On At It He She They We I But And For Its Their His Her There This That These Those "
    "Mr Mrs Ms Some Many Most Such If When While As After Before Under Also However Meanwhile".split()
)
_SMALL_TITLE_WORDS = frozenset("a an the of in on for to and or at by vs with from as".split())
_WIRE_UNITS = frozenset("mln bln dlr dlrs pct stg cts shr shrs qtr mths".split())

US_TO_UK: dict[str, str] = {
    "program": "programme", "programs": "programmes", "labor": "labour", "center": "centre",
    "centers": "centres", "defense": "defence", "organization": "organisation",
    "organizations": "organisations", "favor": "favour", "favorable": "favourable",
    "honor": "honour", "color": "colour", "analyze": "analyse", "analyzed": "analysed",
    "realize": "realise", "realized": "realised", "recognize": "recognise",
    "recognized": "recognised", "privatization": "privatisation", "harbor": "harbour",
    "neighbor": "neighbour", "neighboring": "neighbouring", "behavior": "behaviour",
    "liberalize": "liberalise", "liberalization": "liberalisation", "subsidize": "subsidise",
    "traveled": "travelled", "jewelry": "jewellery", "aluminum": "aluminium", "gray": "grey",
    "authorized": "authorised", "criticized": "criticised", "emphasized": "emphasised",
    "stabilize": "stabilise", "stabilization": "stabilisation", "minimize": "minimise",
    "maximize": "maximise", "organized": "organised", "catalog": "catalogue",
}
UK_TO_US: dict[str, str] = {uk: us for us, uk in US_TO_UK.items()}

SYNONYMS: dict[str, tuple[str, ...]] = {
    "said": ("stated", "noted", "reported"), "says": ("states", "notes"),
    "told": ("informed",), "announced": ("disclosed", "unveiled"), "announce": ("disclose",),
    "reported": ("posted", "recorded"), "expected": ("anticipated", "forecast"),
    "expects": ("anticipates", "foresees"), "expect": ("anticipate",),
    "rose": ("climbed", "increased", "advanced"), "rise": ("increase", "climb"),
    "rises": ("increases", "climbs"), "rising": ("climbing", "increasing"),
    "fell": ("dropped", "declined", "slipped"), "fall": ("drop", "decline"),
    "falls": ("drops", "declines"), "falling": ("declining", "dropping"),
    "increase": ("rise", "gain"), "increased": ("raised", "lifted"), "increases": ("rises", "gains"),
    "decrease": ("reduction", "drop"), "decline": ("fall", "drop"), "declined": ("fell", "dropped"),
    "gain": ("rise", "advance"), "gained": ("added", "advanced"), "gains": ("advances", "rises"),
    "cut": ("reduced", "lowered"), "raise": ("lift", "boost"), "raised": ("lifted", "boosted"),
    "boost": ("lift", "bolster"), "boosted": ("lifted", "bolstered"),
    "company": ("firm", "group", "concern"), "companies": ("firms", "groups"),
    "firm": ("company",), "shares": ("stock", "equity"), "stock": ("shares",),
    "profit": ("earnings", "income"), "profits": ("earnings",), "loss": ("deficit",),
    "losses": ("deficits",), "sales": ("revenues", "turnover"), "revenue": ("sales", "turnover"),
    "revenues": ("sales",), "market": ("marketplace",), "markets": ("marketplaces",),
    "price": ("cost", "rate"), "prices": ("costs", "rates"), "government": ("administration", "authorities"),
    "official": ("officer", "representative"), "officials": ("officers", "representatives"),
    "agreement": ("accord", "pact", "deal"), "agreed": ("consented", "settled"),
    "deal": ("agreement", "transaction"), "talks": ("negotiations", "discussions"),
    "plan": ("proposal", "scheme"), "plans": ("intends", "proposals"), "planned": ("proposed", "intended"),
    "proposal": ("plan", "offer"), "proposed": ("suggested", "put forward"),
    "sharply": ("steeply", "strongly"), "slightly": ("marginally", "modestly"),
    "strong": ("robust", "solid"), "weak": ("soft", "sluggish"), "large": ("big", "sizable"),
    "big": ("large", "major"), "small": ("modest", "minor"), "major": ("leading", "key"),
    "new": ("fresh",), "higher": ("greater", "increased"), "lower": ("reduced", "smaller"),
    "about": ("around", "roughly", "some"), "nearly": ("almost", "close to"),
    "buy": ("purchase", "acquire"), "bought": ("purchased", "acquired"),
    "sell": ("divest", "offload"), "sold": ("divested", "offloaded"),
    "acquire": ("buy", "take over"), "acquired": ("bought", "took over"),
    "acquisition": ("purchase", "takeover"), "merger": ("combination", "tie-up"),
    "offer": ("bid", "proposal"), "bid": ("offer",), "chairman": ("chief", "head"),
    "spokesman": ("representative", "spokesperson"), "analysts": ("observers", "experts"),
    "economy": ("economic system",), "economic": ("financial",), "growth": ("expansion",),
    "demand": ("appetite", "need"), "supply": ("provision",), "output": ("production",),
    "production": ("output",), "exports": ("shipments abroad", "overseas sales"),
    "imports": ("purchases from abroad", "inbound shipments"), "trade": ("commerce",),
    "currency": ("money",), "bank": ("lender",), "banks": ("lenders",), "rate": ("level",),
    "rates": ("levels",), "inflation": ("price growth",), "budget": ("spending plan",),
    "debt": ("borrowing", "liabilities"), "loan": ("credit", "advance"), "loans": ("credits",),
    "tax": ("levy",), "taxes": ("levies",), "continue": ("carry on", "keep going"),
    "continued": ("persisted", "went on"), "began": ("started", "commenced"),
    "begin": ("start",), "ended": ("finished", "closed"), "approved": ("endorsed", "cleared"),
    "approve": ("endorse", "clear"), "rejected": ("turned down", "dismissed"),
    "meeting": ("session", "gathering"), "statement": ("release", "announcement"),
    "report": ("study", "account"), "figures": ("data", "numbers"), "estimated": ("projected", "put"),
    "forecast": ("projection", "outlook"), "record": ("all-time",), "total": ("overall",),
    "recent": ("latest",), "recently": ("lately",), "earlier": ("previously", "before"),
    "later": ("afterwards", "subsequently"), "also": ("additionally", "as well"),
    "however": ("nevertheless", "still"), "because": ("since", "as"), "despite": ("in spite of",),
    "mainly": ("largely", "chiefly"), "mostly": ("largely",), "important": ("significant", "key"),
    "significant": ("substantial", "notable"), "concern": ("worry",), "concerns": ("worries",),
    "problem": ("difficulty",), "problems": ("difficulties",), "result": ("outcome",),
    "results": ("outcomes", "figures"), "effect": ("impact",), "plant": ("facility", "factory"),
    "workers": ("employees", "staff"), "employees": ("staff", "workers"), "jobs": ("positions",),
    "strike": ("walkout", "stoppage"), "industry": ("sector",), "producers": ("makers", "manufacturers"),
    "consumers": ("buyers", "customers"), "investors": ("shareholders", "backers"),
    "shareholders": ("stockholders", "investors"), "stake": ("holding", "interest"),
    "unit": ("division", "subsidiary"), "subsidiary": ("unit", "affiliate"),
    "operations": ("activities", "business"), "capacity": ("capability",),
    "contract": ("agreement", "deal"), "purchase": ("acquisition", "buy"),
    "dividend": ("payout", "distribution"), "earnings": ("profits", "income"),
    "costs": ("expenses",), "spending": ("expenditure", "outlays"), "investment": ("investing",),
    "funds": ("money", "capital"), "value": ("worth",), "amount": ("sum", "quantity"),
    "level": ("rate",), "help": ("assist", "aid"), "helped": ("assisted", "aided"),
    "sought": ("pursued",), "seek": ("pursue",), "lead": ("drive",), "led": ("drove",),
    "failed": ("did not manage",), "reached": ("hit", "attained"), "reach": ("hit", "attain"),
    "completed": ("finished", "concluded"), "signed": ("inked",), "issued": ("released",),
    "received": ("obtained", "got"), "made": ("produced",), "held": ("kept",),
    "difficult": ("hard", "tough"), "quickly": ("rapidly", "swiftly"), "likely": ("probably",),
    "possible": ("feasible",), "current": ("present",), "previous": ("prior", "earlier"),
    "week": ("seven days",), "month": ("four weeks",), "quarter": ("three-month period",),
    "annual": ("yearly",), "officially": ("formally",), "immediately": ("at once", "right away"),
    "pct": ("percent",), "mln": ("million",), "bln": ("billion",), "dlrs": ("dollars",),
}


@dataclass(frozen=True)
class HouseStyle:
    """An outlet's copy-editing rules; the default changes nothing."""

    spelling: str = ""
    curly_quotes: bool = False
    percent: str = ""
    numbers: str = ""

    @property
    def is_identity(self) -> bool:
        """True when applying the style leaves text unchanged."""
        return not (self.spelling or self.curly_quotes or self.percent or self.numbers)


def _case_like(template: str, word: str) -> str:
    """``word`` with the capitalization of ``template``."""
    if len(template) > 1 and template.isupper():
        return word.upper()
    if template[:1].isupper():
        return word[:1].upper() + word[1:]
    return word


def _table_regex(table: dict[str, str]) -> re.Pattern[str]:
    """A whole-word, case-insensitive pattern matching the keys of ``table``."""
    keys = sorted(table, key=len, reverse=True)
    return re.compile(r"\b(" + "|".join(map(re.escape, keys)) + r")\b", re.I)


_US_UK = _table_regex(US_TO_UK)
_UK_US = _table_regex(UK_TO_US)
_PERCENT_WORDS = re.compile(r"\b(?:pct|percent|per cent)\b", re.I)
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_UNIT_WORDS = {"mln": "million", "bln": "billion", "dlrs": "dollars", "dlr": "dollar", "cts": "cents"}
_UNITS = _table_regex(_UNIT_WORDS)
_OPEN_DOUBLE = re.compile(r'(^|[\s(\[{—-])"')
_OPEN_SINGLE = re.compile(r"(^|[\s(\[{—-])'")


def _swap(pattern: re.Pattern[str], table: dict[str, str], text: str) -> str:
    """Replace each whole-word key of ``table`` by its value, keeping capitalization."""
    return pattern.sub(lambda m: _case_like(m.group(0), table[m.group(0).lower()]), text)


def apply_style(style: HouseStyle, text: str) -> str:
    """``text`` as an outlet with ``style`` would print it."""
    if style.spelling == "uk":
        text = _swap(_US_UK, US_TO_UK, text)
    elif style.spelling == "us":
        text = _swap(_UK_US, UK_TO_US, text)
    if style.percent:
        text = _PERCENT_WORDS.sub(style.percent, text)
    if style.numbers == "plain":
        text = _THOUSANDS.sub("", text)
    elif style.numbers == "words":
        text = _swap(_UNITS, _UNIT_WORDS, text)
    if style.curly_quotes:
        text = _OPEN_DOUBLE.sub(lambda m: m.group(1) + "“", text).replace('"', "”")
        text = _OPEN_SINGLE.sub(lambda m: m.group(1) + "‘", text).replace("'", "’")
    return text


def random_style(rng: random.Random) -> HouseStyle:
    """A house style with at least one rule that changes text."""
    while True:
        style = HouseStyle(
            spelling=rng.choice(("", "", "uk")),
            curly_quotes=rng.random() < 0.5,
            percent=rng.choice(("", "percent", "per cent")),
            numbers=rng.choice(("", "plain", "words")),
        )
        if not style.is_identity:
            return style


def split_sentences(paragraph: str) -> list[str]:
    """Sentences of a paragraph; abbreviations such as ``U.S.`` or ``Inc.`` do not end one."""
    pieces = [p for p in _SPLIT.split(paragraph.strip()) if p]
    sentences: list[str] = []
    for piece in pieces:
        if sentences:
            last = sentences[-1].rsplit(None, 1)[-1]
            if last.lower() in _ABBREVIATIONS or _INITIAL.match(last):
                sentences[-1] = f"{sentences[-1]} {piece}"
                continue
        sentences.append(piece)
    return sentences


def title_case(title: str) -> str:
    """A wire headline in capitals as an outlet's title case (acronyms with dots or no vowels kept)."""
    words = title.split()
    out = []
    for i, word in enumerate(words):
        letters = re.sub(r"[^A-Za-z]", "", word)
        if word.lower() in _WIRE_UNITS:
            out.append(word.lower())
        elif "." in word or word.startswith("<") or (letters and not re.search(r"[AEIOUYaeiouy]", letters)):
            out.append(word)
        elif i > 0 and word.lower() in _SMALL_TITLE_WORDS:
            out.append(word.lower())
        else:
            out.append(word[:1].upper() + word[1:].lower())
    return " ".join(out)


def substitute_synonyms(sentence: str, rate: float, rng: random.Random) -> str:
    """Replace each word found in the synonym table with probability ``rate``."""

    def pick(match: re.Match[str]) -> str:
        word = match.group(0)
        options = SYNONYMS.get(word.lower())
        if not options or rng.random() >= rate:
            return word
        return _case_like(word, rng.choice(options))

    return _WORD.sub(pick, sentence)


def has_quote(sentence: str) -> bool:
    """True when the sentence carries quoted speech (kept verbatim by rewrites)."""
    return any(q in sentence for q in '"“”')


def _lower_first(text: str) -> str:
    """``text`` with its first word lower-cased when that word is a common function word."""
    first = text.split(" ", 1)[0]
    if first.lower() in _FUNCTION_WORDS:
        return first.lower() + text[len(first):]
    return text


def _upper_first(text: str) -> str:
    """``text`` with a capital first letter."""
    return text[:1].upper() + text[1:]


_SAID_THAT = re.compile(
    r"^(?P<x>[A-Z][^,\"]{1,60}?) said(?P<when> (?:on|in|last|late|early) [A-Za-z0-9]+| yesterday| today| earlier)?"
    r"(?: that)? (?P<y>[^\"]{12,})\.$"
)
_TRAILING_SAID = re.compile(r"^(?P<y>[^\"]{12,}), (?P<x>[^,\"]{2,50}?) said(?P<when>[^,\"]{0,25})\.$")
_LEADING_PHRASE = re.compile(
    r"^(?P<p>(?:In|On|For|After|During|Last|Earlier|By|Since|Under|At) [^,\"]{2,40}), (?P<rest>[^\"]{12,})\.$"
)


def reorder_clause(sentence: str) -> str:
    """Move a reporting or leading clause around its comma, if the sentence has one.

    ``X said on Monday that Y.`` becomes ``Y, X said on Monday.``; ``Y, X said.``
    becomes ``X said that Y.``; ``In 1986, Y.`` becomes ``Y in 1986.``.
    """
    match = _SAID_THAT.match(sentence)
    if match and len(match.group("x").split()) <= 8:
        when = match.group("when") or ""
        return f"{_upper_first(match.group('y'))}, {_lower_first(match.group('x'))} said{when}."
    match = _TRAILING_SAID.match(sentence)
    if match and len(match.group("x").split()) <= 8:
        when = match.group("when") or ""
        return f"{_upper_first(match.group('x'))} said{when} that {_lower_first(match.group('y'))}."
    match = _LEADING_PHRASE.match(sentence)
    if match:
        phrase = match.group("p")
        return f"{_upper_first(match.group('rest'))} {phrase[:1].lower()}{phrase[1:]}."
    return sentence


def merge_sentences(first: str, second: str) -> str:
    """Two sentences joined into one (``A. B.`` -> ``A, and b.`` or ``A; B.``)."""
    head = first.rstrip()
    if head.endswith("."):
        head = head[:-1]
    lowered = _lower_first(second)
    if lowered != second:
        return f"{head}, and {lowered}"
    return f"{head}; {second}"


def _name_spans(sentence: str) -> list[tuple[int, int]]:
    """Spans of name phrases in ``sentence``, leading stop words dropped.

    A single capitalized word opening the sentence is not taken for a name.
    """
    spans = []
    for match in _NAME.finditer(sentence):
        start, text = match.start(), match.group(0)
        words = text.split()
        while words and words[0] in _STOP_NAMES:
            start = sentence.index(words[1], start + len(words[0])) if len(words) > 1 else match.end()
            words = words[1:]
        if words and (start > 0 or len(words) > 1) and len(" ".join(words)) > 1:
            spans.append((start, match.end()))
    return spans


def names_and_numbers(text: str) -> tuple[list[str], list[str]]:
    """Name phrases and numbers of ``text``: in order, unique."""
    names: dict[str, None] = {}
    numbers: dict[str, None] = {}
    for paragraph in text.split("\n"):
        for sentence in split_sentences(paragraph):
            for start, end in _name_spans(sentence):
                names.setdefault(sentence[start:end], None)
            for match in _NUMBER.finditer(sentence):
                numbers.setdefault(match.group(0), None)
    return list(names), list(numbers)


def transplant(sentence: str, names: Sequence[str], numbers: Sequence[str], mapping: dict[str, str]) -> str:
    """``sentence`` with its name phrases and numbers swapped for ``names``/``numbers``.

    ``mapping`` (updated in place) keeps a donor phrase mapped to the same
    replacement across the sentences of one document; replacements are taken
    from the pools in order.
    """

    def replacement(token: str, pool: Sequence[str], kind: str) -> str:
        if not pool:
            return token
        key = f"{kind}:{token}"
        if key not in mapping:
            count = sum(1 for k in mapping if k.startswith(f"{kind}:"))
            mapping[key] = pool[count % len(pool)]
        return mapping[key]

    pieces = []
    last = 0
    for start, end in _name_spans(sentence):
        pieces.append(sentence[last:start])
        pieces.append(replacement(sentence[start:end], names, "name"))
        last = end
    pieces.append(sentence[last:])
    swapped = "".join(pieces)
    return _NUMBER.sub(lambda m: replacement(m.group(0), numbers, "number"), swapped)


def normalize_sentence(sentence: str) -> str:
    """Lower-case words only: the key for 'same sentence' checks."""
    return " ".join(w.lower() for w in re.findall(r"\w+", sentence))


def join_paragraphs(paragraphs: Iterable[Sequence[str]]) -> str:
    """Paragraphs (lists of sentences) as text with blank lines between them."""
    return "\n\n".join(" ".join(p) for p in paragraphs if p)
