"""Multi-step arithmetic word problems with worked solutions, in the DeepSeek-R1 answer format.

One generator serves training (seeds from 1000 on), the bundled held-out suites (seed 1: easy,
seed 2: hard) and the model card's accuracy figures, so every split is reproducible from its seed.
A problem is a start amount and 1-6 changes (buy, find, receive: +; give, lose, eat, sell: -;
double, triple: x), each change one line of reasoning: "23 + 15 = 38." The text is plain ASCII on
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
    "hard": (2, (5, 6), 500, 999),
}
TRAIN_STEPS = (1, 4)
TRAIN_LIMITS = (60, 150)  # largest start/change, largest value: the training distribution


def pronoun(name):
    return "She" if name in ("Ava", "Cara", "Fay", "Hana", "Jo", "Kim", "Mia", "Nora", "Pia",
                             "Sara", "Uma", "Yara") else "He"


def make_problem(rng, steps, max_amount, max_value):
    """One problem as a dict: question, answer, reasoning (the text inside <think>), steps."""
    name = rng.choice(NAMES)
    obj, edible = rng.choice(OBJECTS)
    p = pronoun(name)
    value = rng.randint(2, max_amount)
    sentences = [f"{name} has {value} {obj}."]
    lines = [f"{name} starts with {value} {obj}."]
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
            lines.append(f"{value} + {n} = {value + n}.")
            value += n
        elif kind == "sub":
            n = rng.randint(1, min(max_amount, value - 1))
            template = rng.choice(SUB + (EAT if edible else []))
            sentences.append(template.format(p=p, n=n))
            lines.append(f"{value} - {n} = {value - n}.")
            value -= n
        else:
            factor = 3 if value * 3 <= max_value and rng.random() < 0.3 else 2
            sentences.append(MUL[factor].format(p=p, o=obj))
            lines.append(f"{value} * {factor} = {value * factor}.")
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
