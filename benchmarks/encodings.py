"""dedup's encoding rule against charset-normalizer on legacy-encoded news text.

Each sample is a short news paragraph in one language, encoded in that
language's legacy code page, and tried three ways: the paragraph three times,
JSON Lines with the paragraph in every tenth record among English ones, and its
first 80 characters. A decoder is right when it gives back the text, or, for
anything but Western European text, when it refuses it (``dedup.encoding``
refuses; charset-normalizer has to name the right code page). The figures are
quoted in ``dedup/encoding.py``.

    python -m benchmarks.encodings        # needs charset-normalizer (the html extra brings it)
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable

from dedup.encoding import text_lines
from dedup.errors import InputError

SAMPLES: dict[str, tuple[str, str]] = {
    "English": ("cp1252", "The minister said: \u201cWe will not back down.\u201d Talks resumed on Monday \u2013 after a "
                "week\u2019s pause \u2014 at the ministry. Costs rose to \u20ac5 million\u2026 according to officials. "),
    "English, sparse": ("cp1252", "Shares of Nestlé rose 2 percent in Zürich on Tuesday after the company reported "
                        "higher sales. " + "Analysts said the results beat expectations across all regions. " * 6),
    "French": ("cp1252", "Le ministre a déclaré lundi que les négociations reprendraient à Paris après l'été. « Nous "
               "ne céderons pas », a-t-il ajouté devant les députés réunis à l'Assemblée. "),
    "German": ("cp1252", "Die Regierung in Berlin hat am Dienstag neue Maßnahmen gegen die steigenden Energiepreise "
               "angekündigt. Kritiker äußerten Zweifel an der Finanzierung. "),
    "Spanish": ("cp1252", "El presidente anunció el miércoles una reforma de las pensiones. La oposición criticó la "
                "decisión y pidió más diálogo con los sindicatos. ¿Qué pasará después? Nadie lo sabe. "),
    "Portuguese": ("cp1252", "O governo brasileiro anunciou nesta terça-feira um pacote de medidas para conter a "
                   "inflação. As ações começarão a valer em São Paulo no próximo mês. "),
    "Italian": ("cp1252", "Il governo italiano ha approvato giovedì la legge di bilancio. Il ministro ha detto che la "
                "crescita sarà più forte del previsto. Perché questa scelta? Perché l'economia è ripartita. "),
    "Czech": ("cp1250", "Vláda v úterý schválila nový zákon o daních. Ministr financí řekl, že změny přinesou "
              "státnímu rozpočtu více peněz a že lidé s nižšími příjmy ušetří. "),
    "Polish": ("cp1250", "Rząd w Warszawie ogłosił w środę nowe przepisy dotyczące podatków. Minister finansów "
               "powiedział, że zmiany wejdą w życie od przyszłego roku. "),
    "Hungarian": ("cp1250", "A kormány kedden új törvényt fogadott el az adókról, amely a jövő évtől érvényes. "
                  "A pénzügyminiszter szerint a döntés erősíti a gazdaságot, és a bérek is nőnek. "),
    "Russian": ("cp1251", "Правительство во вторник одобрило новый закон о налогах. Министр финансов заявил, что "
                "изменения принесут бюджету больше денег. "),
    "Greek": ("cp1253", "Η κυβέρνηση ενέκρινε την Τρίτη νέο νόμο για τους φόρους. Ο υπουργός Οικονομικών δήλωσε "
              "ότι οι αλλαγές θα φέρουν περισσότερα χρήματα. "),
    "Turkish": ("cp1254", "Hükümet salı günü vergilerle ilgili yeni bir yasayı onayladı. Maliye bakanı, "
                "değişikliklerin bütçeye daha fazla para getireceğini söyledi. "),
    "Japanese": ("shift_jis", "政府は火曜日、税に関する新しい法律を承認した。"
                 "財務大臣は、この変更により予算に多くの資金がもたらされると述べた。"),
    "Chinese": ("gbk", "政府周二批准了一项关于税收的新法律。财政部长表示，这些变化将为预算带来更多资金。"),
    "Korean": ("euc_kr", "정부는 화요일 세금에 관한 새로운 법률을 승인했다. "
               "재무장관은 이번 변화가 예산에 더 많은 돈을 가져다 줄 것이라고 말했다."),
}


def shapes(text: str) -> dict[str, str]:
    """The three forms each sample is tried in."""
    lines = []
    for k in range(40):
        lines.append(json.dumps({"id": k, "text": f"Plain English record number {k} about markets and the port."}))
        if k % 10 == 0:
            lines.append(json.dumps({"id": f"x{k}", "text": text}, ensure_ascii=False))
    return {"paragraphs": text * 3, "jsonl": "\n".join(lines) + "\n", "snippet": text[:80]}


def dedup_decode(data: bytes) -> str | None:
    """The text as ``dedup.encoding`` reads it, or None when it refuses."""
    try:
        return "".join(text_lines(io.BytesIO(data), "sample"))
    except InputError:
        return None


def normalizer_decode(data: bytes) -> str | None:
    """The text as charset-normalizer's best guess decodes it, or None when it has none."""
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    return str(best) if best is not None else None


def score(decode: Callable[[bytes], str | None]) -> tuple[int, int, list[str]]:
    """(right, total, what went wrong) over every sample and shape."""
    right, total, wrong = 0, 0, []
    for language, (codec, sample) in SAMPLES.items():
        for shape, text in shapes(sample).items():
            got = decode(text.encode(codec))
            western = codec == "cp1252"
            ok = got == text or (got is None and not western)
            right += ok
            total += 1
            if not ok:
                wrong.append(f"{language} ({codec}, {shape}): {'refused' if got is None else repr(got[:40])}")
    return right, total, wrong


def main() -> int:
    for name, decode in (("dedup.encoding", dedup_decode), ("charset-normalizer", normalizer_decode)):
        right, total, wrong = score(decode)
        print(f"{name}: {right}/{total} right")
        for line in wrong:
            print(f"  wrong: {line}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
