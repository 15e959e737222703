#!/usr/bin/env python3
"""The source of truth for demo-code.jsonl: rbench's own small Python tasks, HumanEval-style.

Each task has a prompt (function header and docstring), an entry point, tests defining
check(candidate) and a canonical solution (the body completing the prompt); two MBPP-style tasks
have no header and plain asserts. This script checks that every solution passes its tests in a
fresh python3 process, that the tests reject a stub (so they test something), and that
demo-code.jsonl matches the table below (default; exit 1 on any failure), or rewrites the file
from the table (--write).

    python3 data/suites/check_demo_code.py           # check
    python3 data/suites/check_demo_code.py --write   # regenerate after editing the tasks
"""
import json
import subprocess
import sys
import textwrap
from pathlib import Path

JSONL = Path(__file__).with_name("demo-code.jsonl")

tasks = []


def add(task_id, prompt, entry_point, solution, tests, question=None):
    """One record, fields in the order the file shows them."""
    record = {"id": task_id}
    if question is not None:
        record["question"] = question
    record.update(prompt=prompt, entry_point=entry_point, tests=tests, solution=solution)
    tasks.append(record)


def P(text):
    """Source text written indented in this file, dedented."""
    return textwrap.dedent(text).lstrip("\n")

add("clamp", P('''
def clamp(value: int, low: int, high: int) -> int:
    """Return value limited to the closed range [low, high]. You may assume low <= high.
    >>> clamp(5, 0, 10)
    5
    >>> clamp(-3, 0, 10)
    0
    >>> clamp(42, 0, 10)
    10
    """
'''), "clamp", "    return max(low, min(value, high))\n", P('''
def check(candidate):
    assert candidate(5, 0, 10) == 5
    assert candidate(-3, 0, 10) == 0
    assert candidate(42, 0, 10) == 10
    assert candidate(0, 0, 0) == 0
    assert candidate(7, 7, 9) == 7
    assert candidate(-5, -10, -1) == -5
'''))

add("count_vowels", P('''
def count_vowels(text: str) -> int:
    """Count the vowels a, e, i, o, u in text, in either case. The letter y is not a vowel.
    >>> count_vowels("Hello World")
    3
    >>> count_vowels("rhythm")
    0
    """
'''), "count_vowels", "    return sum(1 for c in text.lower() if c in 'aeiou')\n", P('''
def check(candidate):
    assert candidate("Hello World") == 3
    assert candidate("rhythm") == 0
    assert candidate("") == 0
    assert candidate("AEIOUaeiou") == 10
    assert candidate("Python programming") == 4
'''))

add("running_max", P('''
from typing import List


def running_max(numbers: List[int]) -> List[int]:
    """Return a list whose i-th element is the largest of numbers[0..i].
    >>> running_max([3, 1, 4, 1, 5])
    [3, 3, 4, 4, 5]
    >>> running_max([])
    []
    """
'''), "running_max", "    result = []\n    best = None\n    for n in numbers:\n        best = n if best is None else max(best, n)\n        result.append(best)\n    return result\n", P('''
def check(candidate):
    assert candidate([3, 1, 4, 1, 5]) == [3, 3, 4, 4, 5]
    assert candidate([]) == []
    assert candidate([-2, -5, -1]) == [-2, -2, -1]
    assert candidate([7]) == [7]
    assert candidate([5, 4, 3]) == [5, 5, 5]
'''))

add("is_isogram", P('''
def is_isogram(word: str) -> bool:
    """Return True if no letter occurs more than once in word, ignoring case.
    Spaces and hyphens may repeat.
    >>> is_isogram("lumberjacks")
    True
    >>> is_isogram("Alphabet")
    False
    >>> is_isogram("six-year-old")
    True
    """
'''), "is_isogram", "    letters = [c.lower() for c in word if c not in ' -']\n    return len(letters) == len(set(letters))\n", P('''
def check(candidate):
    assert candidate("lumberjacks") is True
    assert candidate("Alphabet") is False
    assert candidate("six-year-old") is True
    assert candidate("") is True
    assert candidate("isograms") is False
    assert candidate("Emily Jung Schwartzkopf") is True
'''))

add("rotate_left", P('''
def rotate_left(items: list, k: int) -> list:
    """Return a new list with items rotated k places to the left. k may be larger than the
    length of the list or negative (a rotation to the right).
    >>> rotate_left([1, 2, 3, 4, 5], 2)
    [3, 4, 5, 1, 2]
    >>> rotate_left([1, 2, 3], -1)
    [3, 1, 2]
    """
'''), "rotate_left", "    if not items:\n        return []\n    k %= len(items)\n    return items[k:] + items[:k]\n", P('''
def check(candidate):
    assert candidate([1, 2, 3, 4, 5], 2) == [3, 4, 5, 1, 2]
    assert candidate([1, 2, 3], -1) == [3, 1, 2]
    assert candidate([1, 2, 3], 7) == [2, 3, 1]
    assert candidate([], 3) == []
    data = ['a', 'b']
    assert candidate(data, 1) == ['b', 'a']
    assert data == ['a', 'b'], "the input list must not be changed"
'''))

add("digit_sum", P('''
def digit_sum(n: int) -> int:
    """Return the sum of the decimal digits of n; the sign of n is ignored.
    >>> digit_sum(1234)
    10
    >>> digit_sum(-905)
    14
    """
'''), "digit_sum", "    return sum(int(d) for d in str(abs(n)))\n", P('''
def check(candidate):
    assert candidate(1234) == 10
    assert candidate(-905) == 14
    assert candidate(0) == 0
    assert candidate(7) == 7
    assert candidate(10 ** 20) == 1
'''))

add("compress_runs", P('''
def compress_runs(text: str) -> str:
    """Run-length encode text: each run of the same character becomes the character followed by
    the run's length, with the length left out when it is 1.
    >>> compress_runs("aaabcc")
    'a3bc2'
    >>> compress_runs("")
    ''
    """
'''), "compress_runs", "    out = []\n    i = 0\n    while i < len(text):\n        j = i\n        while j < len(text) and text[j] == text[i]:\n            j += 1\n        out.append(text[i] + (str(j - i) if j - i > 1 else ''))\n        i = j\n    return ''.join(out)\n", P('''
def check(candidate):
    assert candidate("aaabcc") == "a3bc2"
    assert candidate("") == ""
    assert candidate("abc") == "abc"
    assert candidate("zzzzzzzzzzzz") == "z12"
    assert candidate("aabbaa") == "a2b2a2"
'''))

add("second_largest", P('''
from typing import List, Optional


def second_largest(numbers: List[int]) -> Optional[int]:
    """Return the second largest distinct value in numbers, or None when there are fewer than
    two distinct values.
    >>> second_largest([4, 1, 4, 3])
    3
    >>> second_largest([2, 2])
    """
'''), "second_largest", "    distinct = sorted(set(numbers), reverse=True)\n    return distinct[1] if len(distinct) > 1 else None\n", P('''
def check(candidate):
    assert candidate([4, 1, 4, 3]) == 3
    assert candidate([2, 2]) is None
    assert candidate([]) is None
    assert candidate([-1, -7, -3]) == -3
    assert candidate([10, 9]) == 9
'''))

add("merge_sorted", P('''
from typing import List


def merge_sorted(a: List[int], b: List[int]) -> List[int]:
    """Merge two lists that are each sorted in ascending order into one sorted list, keeping
    duplicates.
    >>> merge_sorted([1, 4, 9], [2, 4, 10])
    [1, 2, 4, 4, 9, 10]
    """
'''), "merge_sorted", "    out = []\n    i = j = 0\n    while i < len(a) and j < len(b):\n        if a[i] <= b[j]:\n            out.append(a[i])\n            i += 1\n        else:\n            out.append(b[j])\n            j += 1\n    return out + a[i:] + b[j:]\n", P('''
def check(candidate):
    assert candidate([1, 4, 9], [2, 4, 10]) == [1, 2, 4, 4, 9, 10]
    assert candidate([], [1, 2]) == [1, 2]
    assert candidate([3], []) == [3]
    assert candidate([], []) == []
    assert candidate([1, 1, 1], [1]) == [1, 1, 1, 1]
'''))

add("balanced_brackets", P('''
def balanced_brackets(text: str) -> bool:
    """Return True if the brackets (), [] and {} in text are balanced and properly nested.
    Other characters are ignored.
    >>> balanced_brackets("f(a[1], {b: 2})")
    True
    >>> balanced_brackets("(]")
    False
    """
'''), "balanced_brackets", "    pairs = {')': '(', ']': '[', '}': '{'}\n    stack = []\n    for c in text:\n        if c in '([{':\n            stack.append(c)\n        elif c in pairs:\n            if not stack or stack.pop() != pairs[c]:\n                return False\n    return not stack\n", P('''
def check(candidate):
    assert candidate("f(a[1], {b: 2})") is True
    assert candidate("(]") is False
    assert candidate("") is True
    assert candidate("((") is False
    assert candidate("}{") is False
    assert candidate("[({})]") is True
'''))

add("to_binary", P('''
def to_binary(n: int) -> str:
    """Return the binary representation of a non-negative integer n without a prefix,
    without using bin() or format().
    >>> to_binary(5)
    '101'
    >>> to_binary(0)
    '0'
    """
'''), "to_binary", "    if n == 0:\n        return '0'\n    digits = []\n    while n:\n        digits.append(str(n % 2))\n        n //= 2\n    return ''.join(reversed(digits))\n", P('''
def check(candidate):
    assert candidate(5) == '101'
    assert candidate(0) == '0'
    assert candidate(1) == '1'
    assert candidate(255) == '11111111'
    assert candidate(1024) == '10000000000'
'''))

add("word_counts", P('''
from typing import Dict


def word_counts(text: str) -> Dict[str, int]:
    """Count how often each word occurs in text. Words are separated by whitespace and compared
    in lower case.
    >>> word_counts("the cat and The hat")
    {'the': 2, 'cat': 1, 'and': 1, 'hat': 1}
    """
'''), "word_counts", "    counts = {}\n    for word in text.lower().split():\n        counts[word] = counts.get(word, 0) + 1\n    return counts\n", P('''
def check(candidate):
    assert candidate("the cat and The hat") == {'the': 2, 'cat': 1, 'and': 1, 'hat': 1}
    assert candidate("") == {}
    assert candidate("  a\\ta\\nA ") == {'a': 3}
    assert candidate("One") == {'one': 1}
'''))

add("flatten", P('''
def flatten(nested: list) -> list:
    """Flatten arbitrarily nested lists into one list, keeping the order of the elements.
    >>> flatten([1, [2, [3, 4]], [], 5])
    [1, 2, 3, 4, 5]
    """
'''), "flatten", "    out = []\n    for x in nested:\n        if isinstance(x, list):\n            out.extend(flatten(x))\n        else:\n            out.append(x)\n    return out\n", P('''
def check(candidate):
    assert candidate([1, [2, [3, 4]], [], 5]) == [1, 2, 3, 4, 5]
    assert candidate([]) == []
    assert candidate([[[[]]]]) == []
    assert candidate(['a', ['b'], 'c']) == ['a', 'b', 'c']
    assert candidate([[1, 2], [3, [4, [5]]]]) == [1, 2, 3, 4, 5]
'''))

add("gcd_list", P('''
from typing import List


def gcd_list(numbers: List[int]) -> int:
    """Return the greatest common divisor of a non-empty list of positive integers.
    >>> gcd_list([12, 18, 30])
    6
    >>> gcd_list([7])
    7
    """
'''), "gcd_list", "    result = numbers[0]\n    for n in numbers[1:]:\n        a, b = result, n\n        while b:\n            a, b = b, a % b\n        result = a\n    return result\n", P('''
def check(candidate):
    assert candidate([12, 18, 30]) == 6
    assert candidate([7]) == 7
    assert candidate([8, 9]) == 1
    assert candidate([100, 75, 50]) == 25
    assert candidate([2 ** 10, 2 ** 6]) == 64
'''))

add("roman_to_int", P('''
def roman_to_int(numeral: str) -> int:
    """Convert a valid Roman numeral (I, V, X, L, C, D, M, subtractive forms allowed) to an
    integer.
    >>> roman_to_int("XIV")
    14
    >>> roman_to_int("MCMXC")
    1990
    """
'''), "roman_to_int", "    values = {'I': 1, 'V': 5, 'X': 10, 'L': 50, 'C': 100, 'D': 500, 'M': 1000}\n    total = 0\n    for i, c in enumerate(numeral):\n        v = values[c]\n        if i + 1 < len(numeral) and values[numeral[i + 1]] > v:\n            total -= v\n        else:\n            total += v\n    return total\n", P('''
def check(candidate):
    assert candidate("XIV") == 14
    assert candidate("MCMXC") == 1990
    assert candidate("I") == 1
    assert candidate("IV") == 4
    assert candidate("MMXXIV") == 2024
    assert candidate("CDXLIV") == 444
'''))

add("chunk", P('''
from typing import List


def chunk(items: list, size: int) -> List[list]:
    """Split items into consecutive lists of length size; the last one may be shorter.
    size is at least 1.
    >>> chunk([1, 2, 3, 4, 5], 2)
    [[1, 2], [3, 4], [5]]
    """
'''), "chunk", "    return [items[i:i + size] for i in range(0, len(items), size)]\n", P('''
def check(candidate):
    assert candidate([1, 2, 3, 4, 5], 2) == [[1, 2], [3, 4], [5]]
    assert candidate([], 3) == []
    assert candidate([1, 2, 3], 3) == [[1, 2, 3]]
    assert candidate([1, 2, 3], 1) == [[1], [2], [3]]
    assert candidate([1, 2], 5) == [[1, 2]]
'''))

add("caesar_shift", P('''
def caesar_shift(text: str, shift: int) -> str:
    """Shift every ASCII letter of text by shift places in the alphabet, wrapping around and
    keeping its case; other characters are unchanged. shift may be negative.
    >>> caesar_shift("Hello, World!", 3)
    'Khoor, Zruog!'
    >>> caesar_shift("abc", -1)
    'zab'
    """
'''), "caesar_shift", "    out = []\n    for c in text:\n        if 'a' <= c <= 'z':\n            out.append(chr((ord(c) - ord('a') + shift) % 26 + ord('a')))\n        elif 'A' <= c <= 'Z':\n            out.append(chr((ord(c) - ord('A') + shift) % 26 + ord('A')))\n        else:\n            out.append(c)\n    return ''.join(out)\n", P('''
def check(candidate):
    assert candidate("Hello, World!", 3) == "Khoor, Zruog!"
    assert candidate("abc", -1) == "zab"
    assert candidate("xyz", 29) == "abc"
    assert candidate("", 5) == ""
    assert candidate("Mixed 123", 26) == "Mixed 123"
'''))

add("median", P('''
from typing import List


def median(numbers: List[float]) -> float:
    """Return the median of a non-empty list: the middle value of the sorted list, or the mean
    of the two middle values when the length is even.
    >>> median([3, 1, 2])
    2
    >>> median([4, 1, 3, 2])
    2.5
    """
'''), "median", "    s = sorted(numbers)\n    mid = len(s) // 2\n    if len(s) % 2:\n        return s[mid]\n    return (s[mid - 1] + s[mid]) / 2\n", P('''
def check(candidate):
    assert candidate([3, 1, 2]) == 2
    assert candidate([4, 1, 3, 2]) == 2.5
    assert candidate([5]) == 5
    assert abs(candidate([0.5, 0.25]) - 0.375) < 1e-12
    assert candidate([-1, -1, 10, 10]) == 4.5
'''))

add("transpose", P('''
from typing import List


def transpose(matrix: List[List[int]]) -> List[List[int]]:
    """Return the transpose of a rectangular matrix given as a list of rows.
    >>> transpose([[1, 2, 3], [4, 5, 6]])
    [[1, 4], [2, 5], [3, 6]]
    >>> transpose([])
    []
    """
'''), "transpose", "    return [list(row) for row in zip(*matrix)]\n", P('''
def check(candidate):
    assert candidate([[1, 2, 3], [4, 5, 6]]) == [[1, 4], [2, 5], [3, 6]]
    assert candidate([]) == []
    assert candidate([[7]]) == [[7]]
    assert candidate([[1], [2], [3]]) == [[1, 2, 3]]
'''))

add("longest_common_prefix", P('''
from typing import List


def longest_common_prefix(words: List[str]) -> str:
    """Return the longest string that every word in words starts with ('' for an empty list).
    >>> longest_common_prefix(["flower", "flow", "flight"])
    'fl'
    >>> longest_common_prefix(["dog", "racecar"])
    ''
    """
'''), "longest_common_prefix", "    if not words:\n        return ''\n    prefix = words[0]\n    for w in words[1:]:\n        while not w.startswith(prefix):\n            prefix = prefix[:-1]\n    return prefix\n", P('''
def check(candidate):
    assert candidate(["flower", "flow", "flight"]) == "fl"
    assert candidate(["dog", "racecar"]) == ""
    assert candidate([]) == ""
    assert candidate(["same", "same"]) == "same"
    assert candidate(["a"]) == "a"
    assert candidate(["prefix", "pre", "prefect"]) == "pre"
'''))

# A header with a helper before the entry point, as in a few HumanEval tasks.
add("days_in_month", P('''
def is_leap_year(year: int) -> bool:
    """Return True for leap years of the Gregorian calendar."""
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def days_in_month(year: int, month: int) -> int:
    """Return the number of days in the given month (1 = January) of the given year, using
    is_leap_year for February.
    >>> days_in_month(2024, 2)
    29
    >>> days_in_month(2023, 4)
    30
    """
'''), "days_in_month", "    if month == 2:\n        return 29 if is_leap_year(year) else 28\n    return 30 if month in (4, 6, 9, 11) else 31\n", P('''
def check(candidate):
    assert candidate(2024, 2) == 29
    assert candidate(2023, 2) == 28
    assert candidate(1900, 2) == 28
    assert candidate(2000, 2) == 29
    assert candidate(2023, 4) == 30
    assert candidate(2023, 12) == 31
'''))

# MBPP-style: no header, the tests call the function by name.
add("mbpp_style_snake_case", "", "", "import re\n\n\ndef to_snake_case(name):\n    s = re.sub(r'(.)([A-Z][a-z]+)', r'\\1_\\2', name)\n    return re.sub(r'([a-z0-9])([A-Z])', r'\\1_\\2', s).lower()\n",
    "assert to_snake_case('camelCase') == 'camel_case'\nassert to_snake_case('HTTPServerError') == 'http_server_error'\nassert to_snake_case('already_snake') == 'already_snake'",
    question="Write a function to convert a CamelCase or camelCase name to snake_case. Your code should pass these tests:\n\nassert to_snake_case('camelCase') == 'camel_case'\nassert to_snake_case('HTTPServerError') == 'http_server_error'\nassert to_snake_case('already_snake') == 'already_snake'")

add("mbpp_style_triangle", "", "", "def triangle_kind(a, b, c):\n    x, y, z = sorted((a, b, c))\n    if x <= 0 or x + y <= z:\n        return 'invalid'\n    if x == z:\n        return 'equilateral'\n    if x == y or y == z:\n        return 'isosceles'\n    return 'scalene'\n",
    "assert triangle_kind(3, 3, 3) == 'equilateral'\nassert triangle_kind(3, 4, 4) == 'isosceles'\nassert triangle_kind(3, 4, 5) == 'scalene'\nassert triangle_kind(1, 2, 3) == 'invalid'",
    question="Write a function that classifies a triangle by its three side lengths as 'equilateral', 'isosceles', 'scalene', or 'invalid' when the sides cannot form a triangle. Your code should pass these tests:\n\nassert triangle_kind(3, 3, 3) == 'equilateral'\nassert triangle_kind(3, 4, 4) == 'isosceles'\nassert triangle_kind(3, 4, 5) == 'scalene'\nassert triangle_kind(1, 2, 3) == 'invalid'")


def program(task, body):
    """What the sandbox runs: setup, prompt + body, the tests, then check(entry_point)."""
    parts = [task.get("setup", ""), task["prompt"] + body, task["tests"]]
    if task["entry_point"]:
        parts.append(f"check({task['entry_point']})")
    return "\n".join(parts) + "\n"


def passes(source):
    result = subprocess.run([sys.executable, "-c", source], capture_output=True, text=True,
                            timeout=30)
    return result.returncode == 0, result.stderr.strip().splitlines()[-1:] or [""]


def render():
    return "".join(json.dumps(t, ensure_ascii=False) + "\n" for t in tasks)


def main():
    if "--write" in sys.argv[1:]:
        JSONL.write_text(render(), encoding="utf-8")
        print(f"wrote {len(tasks)} tasks to {JSONL}")
    failures = []
    ids = [t["id"] for t in tasks]
    if len(ids) != len(set(ids)):
        failures.append("duplicate ids")
    for task in tasks:
        ok, last = passes(program(task, task["solution"]))
        if not ok:
            failures.append(f"{task['id']}: the solution fails: {last[0]}")
        stub = "    return None\n" if task["prompt"] else "pass\n"
        ok, _ = passes(program(task, stub))
        if ok:
            failures.append(f"{task['id']}: the tests accept a stub")
    if JSONL.read_text(encoding="utf-8") != render():
        failures.append(f"{JSONL} differs from the tasks here; run with --write")
    for failure in failures:
        print(failure, file=sys.stderr)
    print(f"{len(tasks)} tasks, {len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
