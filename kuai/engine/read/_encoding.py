"""The text encoding of a file, from a capped sample of its first bytes.

A file can change encoding halfway (rows appended by another program): UTF-8 lines beside Windows-1252
ones. Such a file is read as UTF-8, and each value that is not valid UTF-8 is read as Windows-1252
(``decode_utf8_or_cp1252``), with a note; a pure legacy file (Latin-1, cp1252, Shift-JIS, ...) is still
read in its own encoding.
"""

from __future__ import annotations

import codecs

from kuai.engine.errors import ReadError
from kuai.engine.read._cjk import best_cjk

# each East Asian code page's family: the code page Kuai reads it with (``kuai.engine.read._cjk``)
_CJK_FAMILY = {"cp932": "cp932", "shift_jis": "cp932", "shift_jis_2004": "cp932", "shift_jisx0213": "cp932",
               "euc_jp": "euc_jp", "euc_jis_2004": "euc_jp", "gb18030": "gb18030", "gbk": "gb18030",
               "gb2312": "gb18030", "big5": "big5", "cp950": "big5", "big5hkscs": "big5", "cp949": "cp949",
               "euc_kr": "cp949", "johab": "cp949"}
_MIN_TYPICAL = 0.6
_CHARDET_BYTES = 65536


def detect_encoding(sample: bytes, tail: bytes = b"") -> str:
    """BOMs first, then UTF-16 without a BOM, strict UTF-8, then legacy encodings.

    ``tail``: the file's last bytes, when the sample is not the whole file (UTF-8 lines after legacy ones)."""
    if sample.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if sample.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    bomless_utf16 = _bomless_utf16(sample)
    if bomless_utf16:
        return bomless_utf16
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        cut_at_edge = exc.start >= len(sample) - 4 and 0xC2 <= sample[exc.start] <= 0xF4  # a lead byte, cut off
        if cut_at_edge or _mostly_utf8(sample):  # a char cut by the sample edge, or a few stray bytes
            return "utf-8"
    _refuse_binary_text(sample)
    return _guess_legacy_encoding(sample, tail.partition(b"\n")[2])  # the tail's first line may be cut


def _mostly_utf8(sample: bytes) -> bool:
    """UTF-8 text with a few stray bytes: its valid multi-byte letters outnumber the bad bytes."""
    text = sample.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    good = sum(1 for ch in text if ord(ch) > 127) - bad
    return good >= 2 * bad


def _refuse_binary_text(sample: bytes) -> None:
    """Control bytes other than tab and line ends do not occur in text tables."""
    head = sample[:8192]
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 13))
    if controls > 0.05 * len(head):
        raise ReadError("This file holds binary data, not text. Save the table as CSV.", code="BINARY_FILE")


def _bomless_utf16(sample: bytes) -> str | None:
    """ASCII text in UTF-16 has a zero byte in every other position."""
    head = sample[:4096]
    if len(head) < 8:
        return None
    even_zeros = head[0::2].count(0) / len(head[0::2])
    odd_zeros = head[1::2].count(0) / len(head[1::2])
    if odd_zeros > 0.6 and even_zeros < 0.1:
        return "utf-16-le"
    if even_zeros > 0.6 and odd_zeros < 0.1:
        return "utf-16-be"
    return None


def _guess_legacy_encoding(sample: bytes, tail: bytes = b"") -> str:
    """A non-UTF-8 sample: East Asian multi-byte encodings first, then Western cp1252 when
    its accented letters sit among plain ones (as in 'José'), else charset-normalizer's guess (or chardet's, when
    charset-normalizer found it plausible too: it takes Cyrillic cp1251 for mac_greek on short tables)."""
    import chardet
    from charset_normalizer import from_bytes

    matches = from_bytes(sample)
    best = matches.best()
    second = chardet.detect(sample[:_CHARDET_BYTES])["encoding"]
    east_asian = _east_asian(sample, [best.encoding if best is not None else None, second])
    if east_asian is not None:
        return east_asian
    if _utf8_with_western_lines(sample + b"\n" + tail if tail else sample):
        return "utf-8"
    plausible = {_codec_name(match.encoding) for match in matches}
    for western in ("cp1252", "latin-1"):
        try:
            text = sample.decode(western)
        except UnicodeDecodeError:
            continue
        letters = [ch for ch in text if ch.isalpha()]
        accented = sum(1 for ch in letters if ord(ch) > 127)
        if letters and accented / len(letters) < 0.3:
            return _other_code_page(sample, text, _codec_name(best.encoding) if best else None,
                                    _codec_name(second), plausible) or western
        break
    if best is None:
        raise ReadError(
            "The file's text encoding could not be recognised; it may not be a text file. "
            "Save it as UTF-8 CSV.",
            code="UNKNOWN_ENCODING",
        )
    second_name = _codec_name(second)
    return second_name if second_name is not None and second_name in plausible else str(best.encoding)


# European code pages whose text also reads as Western text (cp1252), with other letters: Central European
# ('Opłata' reads 'Op³ata'), Turkish ('Şube' reads 'Þube'), Baltic
_MIN_DIFFERENT = 5  # characters the two readings must differ in
_OTHER_CODE_PAGES = {"cp1250", "cp1254", "cp1257"}
_WINDOWS = {"iso8859-2": "cp1250", "iso8859-9": "cp1254", "iso8859-13": "cp1257"}  # the same letters, and more


def _other_code_page(sample: bytes, western: str, best: str | None, second: str | None,
                     plausible: set[str | None]) -> str | None:
    """A Central European, Turkish or Baltic code page instead of the Western one, when the two readings differ in
    a few characters at least, and both detectors name it, or chardet names it, charset-normalizer finds it
    plausible, and it reads no more signs inside words (the Western reading puts '³' for 'ł' between letters). The
    ISO code pages are read as Windows ones, which hold the same letters and more."""
    second = _WINDOWS.get(second or "", second)
    if second not in _OTHER_CODE_PAGES:
        return None
    other = sample.decode(second, errors="replace")
    if sum(a != b for a, b in zip(western, other, strict=False)) < _MIN_DIFFERENT:
        return None  # a few letters read either way ('Anaïs' or 'Anaďs'): the commoner code page
    if best == second or (second in plausible and _signs_in_words(other) <= _signs_in_words(western)):
        return second
    return None


def _signs_in_words(text: str) -> int:
    """Characters beyond ASCII that are not letters, between two letters ('Op³ata')."""
    return sum(1 for before, ch, after in zip(text, text[1:], text[2:], strict=False)
               if ord(ch) > 127 and not ch.isalpha() and before.isalpha() and after.isalpha())


def _codec_name(encoding: str | None) -> str | None:
    try:
        return codecs.lookup(encoding).name if encoding else None
    except LookupError:
        return None


def _east_asian(sample: bytes, guesses: list[str | None]) -> str | None:
    """An East Asian code page when charset-normalizer or chardet takes the sample for one: the one whose reading
    is most typical of its language (the detectors confuse Shift-JIS with cp949 on tables of short values)."""
    families = tuple(dict.fromkeys(family for family in map(_family, guesses) if family is not None))
    if not families or not _paired_high_bytes(sample):
        return None
    found = best_cjk(sample, preferred=families)
    if found is None or found[1] < _MIN_TYPICAL:
        return families[0] if _decodes(sample, families[0]) else None
    return found[0]


_PAIRED_SHARE = 0.5


def _paired_high_bytes(sample: bytes) -> bool:
    """Most bytes above 127 stand next to another: the characters of a double-byte code page (in Western text an
    accented letter stands alone between plain ones, as in 'José')."""
    high = [i for i, byte in enumerate(sample) if byte > 127]
    if not high:
        return False
    paired = sum(1 for i in high if (i > 0 and sample[i - 1] > 127) or (i + 1 < len(sample) and sample[i + 1] > 127))
    return paired >= _PAIRED_SHARE * len(high)


def _family(encoding: str | None) -> str | None:
    if not encoding:
        return None
    try:
        name = codecs.lookup(encoding).name.replace("-", "_")
    except LookupError:
        return None
    return _CJK_FAMILY.get(name)


def _decodes(sample: bytes, encoding: str) -> bool:
    try:
        codecs.getincrementaldecoder(encoding)(errors="strict").decode(sample, final=False)
    except UnicodeDecodeError:
        return False
    return True


def _utf8_with_western_lines(sample: bytes) -> bool:
    """UTF-8 lines with accented letters beside lines that are not UTF-8 but read as Western text (cp1252)."""
    lines = sample.split(b"\n")[:-1] or [sample]  # the last line may be cut by the sample's edge
    utf8_letters, legacy_lines = 0, []
    for line in lines:
        try:
            utf8_letters += sum(1 for ch in line.decode("utf-8") if ord(ch) > 127)
        except UnicodeDecodeError:
            legacy_lines.append(line)
    if not utf8_letters or not legacy_lines:
        return False
    letters = [ch for ch in b"\n".join(legacy_lines).decode("cp1252", errors="replace") if ch.isalpha()]
    return bool(letters) and sum(1 for ch in letters if ord(ch) > 127) / len(letters) < 0.3


def decode_utf8_or_cp1252(value: bytes) -> tuple[str, bool]:
    """The text of a value as UTF-8, else as Windows-1252 (Latin-1 for its five unassigned bytes); and whether
    it was not UTF-8."""
    try:
        return value.decode("utf-8"), False
    except UnicodeDecodeError:
        try:
            return value.decode("cp1252"), True
        except UnicodeDecodeError:
            return value.decode("latin-1"), True


def _cp1252_fallback(error: UnicodeError) -> tuple[str, int]:
    """A codec error handler: bytes that are not UTF-8 read as Windows-1252."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return decode_utf8_or_cp1252(bytes(error.object[error.start:error.end]))[0], error.end


CP1252_FALLBACK = "kuai-cp1252"
codecs.register_error(CP1252_FALLBACK, _cp1252_fallback)


def text_errors(encoding: str) -> str:
    """How to decode bytes that are not in ``encoding``: as Windows-1252 in a UTF-8 file, else replaced."""
    return CP1252_FALLBACK if encoding in ("utf-8", "utf-8-sig") else "replace"


def decode_sample(sample: bytes, encoding: str) -> str:
    """Decode a sample that may end in the middle of a character."""
    decoder = codecs.getincrementaldecoder(encoding)(errors=text_errors(encoding))
    return decoder.decode(sample, final=False)


def arrow_encoding(encoding: str) -> str:
    """The name pyarrow's reader takes: 'utf8' reads natively; anything else is transcoded."""
    return "utf8" if encoding in ("utf-8", "utf-8-sig") else encoding


def decode_tail(tail: bytes, encoding: str) -> str:
    """The file's last bytes as text, from the first line break on (the first line may be cut)."""
    if encoding.startswith("utf-16") and len(tail) % 2:
        tail = tail[1:]
    text = tail.decode(encoding.replace("-sig", ""), errors=text_errors(encoding)).lstrip("\ufeff")
    first_break = min((i for i in (text.find("\n"), text.find("\r")) if i >= 0), default=0)
    return text[first_break:]
