"""Segmentation of real-looking feedback: each case says why it matters."""
import pytest

from analyzer.segment import segment


def units(text: str) -> list[str]:
    return [text[u.start:u.end] for u in segment(text)]


@pytest.mark.parametrize(
    "text, expected, why",
    [
        ("Great hook. Students wrote for 4 minutes.", ["Great hook.", "Students wrote for 4 minutes."], "plain prose"),
        ('You asked, "Why does ice float?" and waited.', ['You asked, "Why does ice float?" and waited.'],
         "a question inside a quote does not end the sentence"),
        ('You said, "Turn to your partner." Six pairs started.', ['You said, "Turn to your partner."', "Six pairs started."],
         "a quote that ends the sentence"),
        ('When you asked, "How do you know 5/8 is bigger?" Jalen answered, "Because eighths are smaller."',
         ['When you asked, "How do you know 5/8 is bigger?" Jalen answered, "Because eighths are smaller."'],
         "a quote that closes a subordinate clause"),
        ("A student shouted 'Wait, what?!' and laughed.", ["A student shouted 'Wait, what?!' and laughed."],
         "single quotes with ?!"),
        ("At 10:05 a.m. Ms. Lee started the lab. Then 14 of 22 finished.",
         ["At 10:05 a.m. Ms. Lee started the lab.", "Then 14 of 22 finished."], "times and titles"),
        ("The lesson began at 9:00 a.m. Students entered quietly.",
         ["The lesson began at 9:00 a.m.", "Students entered quietly."], "a.m. that does end a sentence"),
        ("Dr. Patel and Mr. O'Neil co-taught.", ["Dr. Patel and Mr. O'Neil co-taught."], "titles"),
        ("Strengths:\n- greeted students at the door\n- clear objective",
         ["Strengths:", "greeted students at the door", "clear objective"], "heading and bullets without full stops"),
        ("Next steps:\n1. Post the objective.\n2) Use a timer", ["Next steps:", "Post the objective.", "Use a timer"],
         "numbered lists in two styles"),
        ("9:02 T: 'Eyes up here.'\n9:04 Ss in pairs, 3 of 8 talking",
         ["9:02 T: 'Eyes up here.'", "9:04 Ss in pairs, 3 of 8 talking"], "timestamped script lines"),
        ("good hook\nstudents talked in pairs\nexit ticket done",
         ["good hook", "students talked in pairs", "exit ticket done"], "line breaks without punctuation"),
        ("This paragraph was pasted from an email client that wraps its lines at\nseventy characters, so each sentence "
         "runs on from one line to the next\nline without any punctuation at the end of the line, as you see in\n"
         "this example. The next one starts here.",
         ["This paragraph was pasted from an email client that wraps its lines at\nseventy characters, so each sentence "
          "runs on from one line to the next\nline without any punctuation at the end of the line, as you see in\n"
          "this example.", "The next one starts here."], "hard-wrapped prose stays one sentence"),
        ("stove station has the red tape line, Luis stayed behind it every time today\nloved how proud Tamika was",
         ["stove station has the red tape line, Luis stayed behind it every time today", "loved how proud Tamika was"],
         "lower-case note lines are separate notes"),
        ("What I'd like us to work on\nThe middle of the lesson sagged.",
         ["What I'd like us to work on", "The middle of the lesson sagged."], "a heading without a colon"),
        ("Students worked with\nmanipulatives and partners.", ["Students worked with\nmanipulatives and partners."],
         "a line ending in a preposition continues"),
        ("Strengths: you greeted every student.", ["Strengths: you greeted every student."],
         "a heading with text on the same line is one unit"),
        ("• Wait time\n◦ 3 seconds on average", ["Wait time", "3 seconds on average"], "unicode bullets"),
        ("Wow!! Great energy... Kids loved it", ["Wow!!", "Great energy...", "Kids loved it"], "repeated punctuation"),
        ("   \n\n  ", [], "whitespace only"),
    ],
)
def test_segment_cases(text, expected, why):
    assert units(text) == expected, why


@pytest.mark.parametrize("text", [
    "Hi Ms. Tran,\r\n\r\nThanks for having me.\r\n- At 9:05 you modeled.\r\nSee you Thursday!",
    "  leading spaces. And\ttabs?  Yes!  ",
    "Unclosed quote \"Why does it float? Students looked puzzled. Next time try a demo.",
])
def test_offsets_map_back_exactly(text):
    for u in segment(text):
        piece = text[u.start:u.end]
        assert piece == piece.strip() and piece
        assert not piece.startswith(("- ", "• "))
    # units are ordered and do not overlap
    spans = [(u.start, u.end) for u in segment(text)]
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))


def test_unclosed_quote_does_not_swallow_the_rest():
    text = "Unclosed quote \"Why does it float? Students looked puzzled. Next time try a demo."
    assert len(units(text)) >= 2
