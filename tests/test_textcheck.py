"""Bad input: each case gets a clear error or an explicit warning, never a silent result."""
import pytest

from analyzer.errors import EmptyTextError, EncodingError, InputError, NotTextError, TextTooLongError
from analyzer.textcheck import check_text, decode_bytes


@pytest.mark.parametrize(
    "text, error, words_in_message",
    [
        ("", EmptyTextError, "empty"),
        ("   \n\t  ", EmptyTextError, "empty"),
        ("<p></p><br/>", EmptyTextError, "markup"),
        ("x" * 60_001, TextTooLongError, "limit"),
        ("\x00\x01\x02 binary \x03\x04\x05\x06", NotTextError, "binary"),
        ("12 34 56 78 90 !!! ### 3.14 ** 22 / 7 = 3.1428", NotTextError, "letters"),
        (42, InputError, "string"),
    ],
)
def test_bad_text_raises_clear_error(text, error, words_in_message):
    with pytest.raises(error) as info:
        check_text(text, max_chars=60_000)
    assert words_in_message in str(info.value)


def test_html_is_blanked_with_a_warning_and_offsets_kept():
    text = "<p>At 9:05 you <b>modeled</b> problem 2.</p><script>alert(1)</script>"
    checked = check_text(text)
    assert len(checked.text) == len(text)
    assert "<" not in checked.text and "alert" not in checked.text
    assert checked.text[3:8] == text[3:8] == "At 9:"
    assert [w.code.value for w in checked.warnings] == ["markup_ignored"]


@pytest.mark.parametrize("text", [
    "El maestro explicó la lección con claridad y los estudiantes trabajaron en grupos durante la clase de hoy.",
    "老师在课堂上清楚地解释了分数的概念，学生们分组合作完成了练习。",
])
def test_non_english_gets_a_warning(text):
    assert "not_english" in [w.code.value for w in check_text(text).warnings]


def test_english_feedback_has_no_warning():
    text = "At 9:05 you modeled problem 2 on the document camera. Students were engaged. Next time, try a timer."
    assert check_text(text).warnings == []


def test_invalid_utf8_names_the_byte():
    with pytest.raises(EncodingError) as info:
        decode_bytes("Caf\u00e9 notes".encode("cp1252"), "notes.txt")
    assert "0xe9" in str(info.value) and "notes.txt" in str(info.value) and "--encoding" in str(info.value)
    assert decode_bytes("Caf\u00e9".encode("cp1252"), "notes.txt", "cp1252") == "Caf\u00e9"


def test_binary_file_is_refused():
    with pytest.raises(NotTextError):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image.png")


def test_utf8_bom_is_dropped():
    assert decode_bytes("\ufeffHello".encode("utf-8")) == "Hello"
