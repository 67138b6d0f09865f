"""Telling the East Asian code pages apart: Shift-JIS (cp932), GBK/GB18030, Big5 and EUC-KR/cp949.

The same bytes often decode without error under several of them: a Japanese file read as Korean gives rare Hangul
and Hanja, a Korean one read as Chinese gives a string of unrelated Hanzi. Each code page is scored by how typical
its reading is of the language it is made for: the share of its characters that the language's basic character set
holds (kana and JIS X 0208 kanji for Japanese, GB 2312 for simplified Chinese, Big5 level 1 for traditional Chinese,
KS X 1001 Hangul for Korean). The best reading wins; on a tie, a reading that is Hangul throughout is Korean (Chinese
text read as Korean gives Hangul mixed with Hanja).
"""

from __future__ import annotations

import codecs
from collections.abc import Callable

# one code page per language, in the order that wins a tie
CJK_CODE_PAGES = ("cp949", "cp932", "gb18030", "big5", "euc_jp")
_TIE = 0.01
MIN_CHARACTERS = 4  # fewer non-ASCII characters than this: no reading is telling


def _encodes(character: str, encoding: str) -> bytes | None:
    """The character's two bytes in a double-byte code page; None when it has none (Python's euc_kr spells the
    syllables outside KS X 1001 with eight bytes: those count as not in it)."""
    try:
        encoded = character.encode(encoding)
    except UnicodeEncodeError:
        return None
    return encoded if len(encoded) == 2 else None


def _japanese(character: str) -> float:
    code = ord(character)
    if 0x3040 <= code <= 0x30FF or 0x3000 <= code <= 0x303F or 0xFF01 <= code <= 0xFF5E:
        return 1.0  # kana, Japanese punctuation, full-width letters and digits
    if 0xFF61 <= code <= 0xFF9F:
        return 0.8  # half-width katakana: old systems write them (Korean or Chinese misread gives them too)
    if 0x4E00 <= code <= 0x9FFF:
        return 0.9 if _encodes(character, "euc_jp") else 0.4  # JIS X 0208 kanji, else a vendor extension
    return 0.0


def _simplified_chinese(character: str) -> float:
    encoded = _encodes(character, "gb2312")
    if encoded is None:
        return 0.2 if 0x4E00 <= ord(character) <= 0x9FFF else 0.0  # a GBK extension character: rare
    if 0x3040 <= ord(character) <= 0x30FF:
        return 0.3  # kana: GB 2312 holds them, Chinese text hardly uses them
    return 1.0


def _traditional_chinese(character: str) -> float:
    encoded = _encodes(character, "big5")
    if encoded is None:
        return 0.0
    code = int.from_bytes(encoded, "big")
    if 0xA140 <= code <= 0xA3BF or 0xA440 <= code <= 0xC67E:
        return 1.0  # symbols, and the 5,401 common characters (level 1)
    return 0.6 if 0xC940 <= code <= 0xF9D5 else 0.0  # level 2: the less common ones


def _korean(character: str) -> float:
    code = ord(character)
    in_ks_x_1001 = _encodes(character, "euc_kr") is not None
    if 0xAC00 <= code <= 0xD7A3:
        return 1.0 if in_ks_x_1001 else 0.2  # the 2,350 common syllables, else cp949's rare ones
    if 0x4E00 <= code <= 0x9FFF:
        return 0.5 if in_ks_x_1001 else 0.0  # Hanja: Korean text seldom uses them
    if 0x3040 <= code <= 0x30FF:
        return 0.3
    return 0.8 if in_ks_x_1001 else 0.0


_TYPICAL: dict[str, Callable[[str], float]] = {"cp932": _japanese, "euc_jp": _japanese, "gb18030": _simplified_chinese,
                                              "big5": _traditional_chinese, "cp949": _korean}


def _reading(sample: bytes, encoding: str) -> str | None:
    """The sample as text in ``encoding`` (a character cut at its end is left off), or None when it is not."""
    try:
        return codecs.getincrementaldecoder(encoding)(errors="strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return None


def cjk_scores(sample: bytes) -> dict[str, float]:
    """Each East Asian code page that reads the sample, with how typical its reading is (0 to 1)."""
    scores = {}
    for encoding in CJK_CODE_PAGES:
        text = _reading(sample, encoding)
        if text is None:
            continue
        wide = [character for character in text if ord(character) > 0x7F]
        if len(wide) >= MIN_CHARACTERS:
            typical = _TYPICAL[encoding]
            scores[encoding] = sum(typical(character) for character in wide) / len(wide)
            if encoding == "cp949" and _half_width_katakana(wide):
                scores[encoding] *= 0.5
    return scores


_SYLLABLES_TO_TELL = 12


def _half_width_katakana(korean: list[str]) -> bool:
    """Hangul whose second bytes all lie in A1-DF: half-width katakana (single bytes A1-DF) read two at a time.
    Korean syllables take their second byte from the whole range A1-FE (a third of them from E0-FE)."""
    syllables = [character.encode("cp949") for character in korean if 0xAC00 <= ord(character) <= 0xD7A3]
    return len(syllables) >= _SYLLABLES_TO_TELL and all(0xA1 <= pair[1] <= 0xDF for pair in syllables)


def best_cjk(sample: bytes, preferred: tuple[str, ...] = ()) -> tuple[str, float] | None:
    """The code page whose reading is most typical of its language, and its score; None when none reads it.
    ``preferred``: the order that breaks a tie (another detector's ranking), before the fixed one."""
    scores = cjk_scores(sample)
    if not scores:
        return None
    top = max(scores.values())
    tied = [encoding for encoding in CJK_CODE_PAGES if scores.get(encoding, -1.0) >= top - _TIE]
    winner = next((encoding for encoding in preferred if encoding in tied), tied[0])
    return winner, scores[winner]
