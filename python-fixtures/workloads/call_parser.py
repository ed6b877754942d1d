"""call_parser: a recursive-descent arithmetic parser (function__return).

tokenize() is a generator (each resume is one call for sys.setprofile and
one function__return for the kernel); parse_expr / parse_term /
parse_factor / parse_number recurse.  The call counts depend only on the
input, which is generated deterministically from N.  Every 25th expression
is malformed: its SyntaxError unwinds through the parser frames (each unwound
frame is a function__return too, and a profile "return" event).

Usage: call_parser.py [N]   (default 200 expressions)
"""
import os, sys
sys.path.append(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))  # oracle.py
import oracle; oracle.install()

import sys


def tokenize(text):
    i = 0
    while i < len(text):
        ch = text[i]
        if ch.isspace():
            i += 1
        elif ch.isdigit():
            j = i
            while j < len(text) and text[j].isdigit():
                j += 1
            yield ("num", text[i:j])
            i = j
        elif ch in "+-*/()":
            yield ("op", ch)
            i += 1
        else:
            raise SyntaxError("unexpected %r at %d" % (ch, i))
    yield ("end", "")


class Parser(object):
    def __init__(self, text):
        self.tokens = tokenize(text)
        self.current = next(self.tokens)

    def advance(self):
        self.current = next(self.tokens)

    def expect(self, value):
        if self.current[1] != value:
            raise SyntaxError("expected %r, got %r" % (value, self.current[1]))
        self.advance()

    def parse_expr(self):
        value = self.parse_term()
        while self.current[1] in ("+", "-"):
            op = self.current[1]
            self.advance()
            rhs = self.parse_term()
            value = value + rhs if op == "+" else value - rhs
        return value

    def parse_term(self):
        value = self.parse_factor()
        while self.current[1] in ("*", "/"):
            op = self.current[1]
            self.advance()
            rhs = self.parse_factor()
            value = value * rhs if op == "*" else value // (rhs or 1)
        return value

    def parse_factor(self):
        if self.current == ("op", "-"):
            self.advance()
            return -self.parse_factor()
        if self.current == ("op", "("):
            self.advance()
            value = self.parse_expr()
            self.expect(")")
            return value
        return self.parse_number()

    def parse_number(self):
        kind, text = self.current
        if kind != "num":
            raise SyntaxError("expected a number, got %r" % (text,))
        self.advance()
        return int(text)


def evaluate(text):
    parser = Parser(text)
    value = parser.parse_expr()
    if parser.current[0] != "end":
        raise SyntaxError("trailing input %r" % (parser.current[1],))
    return value


def expressions(n):
    """n deterministic expressions of growing shape."""
    for i in range(n):
        a, b, c = i % 7 + 1, i % 5 + 2, i % 3 + 1
        if i % 25 == 24:
            yield "(%d + %d * %d" % (a, b, c)      # malformed: raises, unwinds
        elif i % 3 == 0:
            yield "%d + %d * %d" % (a, b, c)
        elif i % 3 == 1:
            yield "(%d - %d) * (%d + %d) / %d" % (a, b, c, a, c)
        else:
            yield "-(%d * (%d + (%d - %d)))" % (a, b, c, a)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200
    with oracle.window("work"):
        total = errors = 0
        for text in expressions(n):
            try:
                total += evaluate(text)
            except SyntaxError:
                errors += 1
    print("call_parser: n=%d total=%d errors=%d" % (n, total, errors))
    oracle.finish()


main()
