"""Multi-step arithmetic word problems with worked solutions, in the DeepSeek-R1 answer format.

One generator serves training (seeds from 1000 on), the bundled held-out suites (seed 1: easy,
seed 2: hard) and the model card's accuracy figures, so every split is reproducible from its seed.
A problem is a start amount and 1-6 changes (buy, find, receive: +; give, lose, eat, sell: -;
double, triple: x), each change one line of reasoning that restates the sentence and works
the sum column by column: "He buys 15 more. 3 + 5 = 8, 2 + 1 = 3, so 23 + 15 = 38." (Restating
lets a small model find the next change by copying what followed this one in the question.) The
text is plain ASCII on
purpose: the tokenizer's Python twin (train_reasoner.py) only handles ASCII.
"""

import json
import random

NAMES = ["Ava", "Ben", "Cara", "Dan", "Eli", "Fay", "Gus", "Hana", "Ivan", "Jo", "Kim", "Leo",
         "Mia", "Nora", "Omar", "Pia", "Raj", "Sara", "Tom", "Uma", "Vic", "Wes", "Yara", "Zed"]
# (plural noun, can be eaten)
OBJECTS = [("apples", True), ("pears", True), ("cookies", True), ("eggs", True),
           ("muffins", True), ("plums", True), ("marbles", False), ("stamps", False),
           ("coins", False), ("cards", False), ("pencils", False), ("shells", False),
           ("books", False), ("stickers", False), ("beads", False), ("toys", False)]

ADD = ["{p} buys {n} more.", "{p} finds {n} more.", "{p} gets {n} more from a friend.",
       "{p} wins {n} more."]
SUB = ["{p} gives away {n}.", "{p} loses {n}.", "{p} sells {n}."]
EAT = ["{p} eats {n}."]
MUL = {2: "{p} doubles the {o}.", 3: "{p} triples the {o}."}

# name: (seed, steps, largest start/change, largest value allowed at any point)
SPLITS = {
    "easy": (1, (2, 3), 50, 99),
    "hard": (2, (4, 5), 60, 150),  # longer chains and three-digit values than training saw
}
TRAIN_STEPS = (1, 3)
TRAIN_LIMITS = (50, 99)  # largest start/change, largest value: the training distribution


def pronoun(name):
    return "She" if name in ("Ava", "Cara", "Fay", "Hana", "Jo", "Kim", "Mia", "Nora", "Pia",
                             "Sara", "Uma", "Yara") else "He"


def digits(n, width):
    """Least significant first, padded with zeros to `width`."""
    return [(n // 10 ** k) % 10 for k in range(width)]


def column_work(a, op, b):
    """The written method, one column at a time from the units: "8 + 2 = 10, 1 + 3 + 1 = 5".
    Every item is a one-digit fact plus a carry or borrow, which a small model learns far more
    reliably than a whole two-digit sum; the result is then read off the columns."""
    items = []
    if op == "+":
        width = max(len(str(a)), len(str(b)))
        carry = 0
        for x, y in zip(digits(a, width), digits(b, width)):
            s = x + y + carry
            items.append(f"{x} + {y}" + (f" + {carry}" if carry else "") + f" = {s}")
            carry = s // 10
    elif op == "-":
        width = len(str(a))
        borrow = 0
        for x, y in zip(digits(a, width), digits(b, width)):
            top = f"{x}" + (" - 1" if borrow else "")
            if x - borrow >= y:
                d, borrow_next = x - borrow - y, 0
            else:
                d, borrow_next = x - borrow + 10 - y, 1
                top = "1" + top
            items.append(f"{top} - {y} = {d}")
            borrow = borrow_next
    else:
        carry = 0
        for x in digits(a, len(str(a))):
            p = x * b + carry
            items.append(f"{x} * {b}" + (f" + {carry}" if carry else "") + f" = {p}")
            carry = p // 10
    result = {"+": a + b, "-": a - b, "*": a * b}[op]
    return f"{', '.join(items)}, so {a} {op} {b} = {result}."


def make_problem(rng, steps, max_amount, max_value):
    """One problem as a dict: question, answer, reasoning (the text inside <think>), steps."""
    name = rng.choice(NAMES)
    obj, edible = rng.choice(OBJECTS)
    p = pronoun(name)
    value = rng.randint(2, max_amount)
    sentences = [f"{name} has {value} {obj}."]
    lines = [sentences[0]]
    for _ in range(steps):
        kinds = ["add"]
        if value >= 2:
            kinds.append("sub")
        if value * 2 <= max_value and value <= max_amount:
            kinds.append("mul")
        kind = rng.choice(kinds)
        if kind == "add" and value + 1 > max_value:
            kind = "sub"
        if kind == "add":
            n = rng.randint(1, min(max_amount, max_value - value))
            sentences.append(rng.choice(ADD).format(p=p, n=n))
            lines.append(f"{sentences[-1]} {column_work(value, '+', n)}")
            value += n
        elif kind == "sub":
            n = rng.randint(1, min(max_amount, value - 1))
            template = rng.choice(SUB + (EAT if edible else []))
            sentences.append(template.format(p=p, n=n))
            lines.append(f"{sentences[-1]} {column_work(value, '-', n)}")
            value -= n
        else:
            factor = 3 if value * 3 <= max_value and rng.random() < 0.3 else 2
            sentences.append(MUL[factor].format(p=p, o=obj))
            lines.append(f"{sentences[-1]} {column_work(value, '*', factor)}")
            value *= factor
    sentences.append(f"How many {obj} does {name} have now?")
    lines.append(f"So {name} has {value} {obj}.")
    return {"question": " ".join(sentences), "answer": str(value),
            "reasoning": "\n".join(lines), "steps": steps}


def response_text(problem):
    """What the model is trained to write after the chat template's "<think>\\n"."""
    return f"{problem['reasoning']}\n</think>\n\nThe answer is \\boxed{{{problem['answer']}}}."


def split(name, count):
    seed, (lo, hi), max_amount, max_value = SPLITS[name]
    rng = random.Random(seed)
    return [make_problem(rng, rng.randint(lo, hi), max_amount, max_value) for _ in range(count)]


def training_problem(rng):
    return make_problem(rng, rng.randint(*TRAIN_STEPS), *TRAIN_LIMITS)


def write_suite(path, name, count):
    """A bundled suite in rbench's jsonl format (id, question, answer, solution)."""
    with open(path, "w", encoding="ascii") as f:
        for i, p in enumerate(split(name, count)):
            f.write(json.dumps({"id": f"{name}-{i + 1:03d}", "question": p["question"],
                                "answer": p["answer"], "solution": p["reasoning"],
                                "steps": p["steps"]}) + "\n")


if __name__ == "__main__":
    # Rewrites the bundled held-out suites: python3 engines/moe/train/arith_problems.py data/suites
    import os
    import sys
    out = sys.argv[1] if len(sys.argv) > 1 else "data/suites"
    write_suite(os.path.join(out, "arith-easy.jsonl"), "easy", 200)
    write_suite(os.path.join(out, "arith-hard.jsonl"), "hard", 100)
