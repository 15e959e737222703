#!/usr/bin/env python3
"""The source of truth for demo-math.jsonl: rbench's own short math word problems.

Each problem carries the arithmetic expression of its answer. This script evaluates every
expression exactly (fractions, no floating point) and either checks demo-math.jsonl against the
table (default; exit 1 on any difference) or rewrites the file from it (--write).

    python3 data/suites/check_demo.py           # check
    python3 data/suites/check_demo.py --write   # regenerate after editing PROBLEMS
"""
import ast
import json
import operator
import sys
from fractions import Fraction
from pathlib import Path

JSONL = Path(__file__).with_name("demo-math.jsonl")

# (id, question, expression of the answer, answer format: "auto" = integer or exact decimal,
# "fraction" = a/b in lowest terms)
PROBLEMS = [
    ("add-01", "A library received 38 new books on Monday and 47 on Tuesday. How many new books did it receive over the two days?", "38 + 47", "auto"),
    ("add-02", "Priya walked 1250 steps before lunch and 2375 steps after lunch. How many steps did she walk in total?", "1250 + 2375", "auto"),
    ("add-03", "A bus carries 23 passengers. At the first stop 9 more get on, and at the second stop 14 more get on. Nobody gets off. How many passengers are on the bus now?", "23 + 9 + 14", "auto"),
    ("sub-01", "A baker made 120 rolls and sold 87 of them. How many rolls are left?", "120 - 87", "auto"),
    ("sub-02", "A water tank held 500 liters. After the garden was watered, 163 liters remained. How many liters were used?", "500 - 163", "auto"),
    ("sub-03", "Marco had 72 stickers. He gave 15 to his sister and 22 to a friend. How many stickers does he have left?", "72 - 15 - 22", "auto"),
    ("mul-01", "A classroom has 6 rows of desks with 7 desks in each row. How many desks are there?", "6 * 7", "auto"),
    ("mul-02", "Each box holds 24 pencils. How many pencils are in 15 boxes?", "24 * 15", "auto"),
    ("mul-03", "A spider has 8 legs. How many legs do 13 spiders have altogether?", "8 * 13", "auto"),
    ("div-01", "144 cookies are packed equally into 12 tins. How many cookies go in each tin?", "144 / 12", "auto"),
    ("div-02", "A rope 96 meters long is cut into pieces of 8 meters each. How many pieces are there?", "96 / 8", "auto"),
    ("div-03", "Four friends share a restaurant bill of $58 equally. How many dollars does each friend pay?", "58 / 4", "auto"),
    ("money-01", "Lena buys 3 notebooks at $4 each and a pen for $2. How many dollars does she spend?", "3 * 4 + 2", "auto"),
    ("money-02", "A movie ticket costs $11 and a tub of popcorn costs $6. How many dollars do 4 tickets and 2 tubs of popcorn cost?", "4 * 11 + 2 * 6", "auto"),
    ("money-03", "Sam pays for a $37 jacket with a $50 bill. How much change, in dollars, does he get?", "50 - 37", "auto"),
    ("money-04", "Apples cost $0.45 each. How many dollars do 8 apples cost?", "0.45 * 8", "auto"),
    ("money-05", "Tom saves $15 every week. How many weeks does it take him to save $240?", "240 / 15", "auto"),
    ("money-06", "A phone plan costs $25 a month plus $0.10 for each text message. How many dollars is the bill for a month with 130 messages?", "25 + 0.10 * 130", "auto"),
    ("money-07", "A pack of 6 juice boxes costs $4.50. How many dollars does one juice box cost?", "4.50 / 6", "auto"),
    ("time-01", "A train leaves at 9:40 and arrives at 12:15 the same day. How many minutes does the trip take?", "(12 * 60 + 15) - (9 * 60 + 40)", "auto"),
    ("time-02", "A movie is 2 hours and 25 minutes long. How many minutes is that?", "2 * 60 + 25", "auto"),
    ("time-03", "Nadia practices piano for 35 minutes a day. How many hours does she practice in 12 days?", "35 * 12 / 60", "auto"),
    ("time-04", "A meeting starts at 14:50 and lasts 95 minutes. How many minutes after 16:00 does it end?", "(14 * 60 + 50 + 95) - 16 * 60", "auto"),
    ("time-05", "How many seconds are there in 3 hours?", "3 * 60 * 60", "auto"),
    ("time-06", "A candle 18 centimeters tall burns down 1.5 centimeters every hour. For how many hours will it burn?", "18 / 1.5", "auto"),
    ("pct-01", "A shirt costs $40 and is on sale for 25% off. What is the sale price in dollars?", "40 * (1 - 25 / 100)", "auto"),
    ("pct-02", "In a class of 30 students, 40% wear glasses. How many students wear glasses?", "30 * 40 / 100", "auto"),
    ("pct-03", "A town's population grew from 8000 to 8600. By what percent did it grow?", "(8600 - 8000) / 8000 * 100", "auto"),
    ("pct-04", "A restaurant bill is $80 and Kim leaves a 15% tip. How many dollars is the tip?", "80 * 15 / 100", "auto"),
    ("pct-05", "A test has 50 questions and Ravi answered 46 of them correctly. What percentage did he get right?", "46 / 50 * 100", "auto"),
    ("pct-06", "A store raises the price of a $50 lamp by 20% and then lowers the new price by 20%. What is the final price in dollars?", "50 * 1.2 * 0.8", "auto"),
    ("frac-01", "Three quarters of a 48-liter barrel is filled with water. How many liters of water are in the barrel?", "48 * 3 / 4", "auto"),
    ("frac-02", "Ana ate 1/3 of a cake and her brother ate 1/4 of the same cake. What fraction of the cake did they eat together?", "1 / 3 + 1 / 4", "fraction"),
    ("frac-03", "A recipe needs 2/3 of a cup of sugar. How many cups of sugar are needed to make the recipe 3 times?", "2 / 3 * 3", "auto"),
    ("frac-04", "Dev has read 2/5 of a 60-page booklet. How many pages are left to read?", "60 - 60 * 2 / 5", "auto"),
    ("frac-05", "A ribbon is 5/6 of a meter long. Half of it is used. What fraction of a meter is left?", "5 / 6 / 2", "fraction"),
    ("frac-06", "Of 40 students, 3/8 walk to school and 1/4 take the bus. The rest are driven. How many students are driven?", "40 - 40 * 3 / 8 - 40 / 4", "auto"),
    ("ratio-01", "Red and blue marbles in a jar are in the ratio 3:5. There are 24 red marbles. How many blue marbles are there?", "24 / 3 * 5", "auto"),
    ("ratio-02", "A drink is made by mixing juice and water in the ratio 2:7. How many milliliters of juice are in 450 milliliters of the drink?", "450 * 2 / (2 + 7)", "auto"),
    ("ratio-03", "$120 is shared between Ben and Carla in the ratio 1:3. How many dollars does Carla get?", "120 * 3 / (1 + 3)", "auto"),
    ("ratio-04", "A map uses a scale of 1 centimeter to 5 kilometers. Two towns are 7.4 centimeters apart on the map. How many kilometers apart are they?", "7.4 * 5", "auto"),
    ("age-01", "Maya is 12 years old and her father is 3 times as old. How old will her father be in 5 years?", "12 * 3 + 5", "auto"),
    ("age-02", "Leo is 7 years older than his sister. Their ages add up to 29. How old is Leo?", "(29 + 7) / 2", "auto"),
    ("age-03", "A grandmother is 68 and her grandson is 14. How many years ago was the grandmother exactly 10 times as old as her grandson?", "(10 * 14 - 68) / (10 - 1)", "auto"),
    ("age-04", "In 4 years, Omar will be twice as old as he was 6 years ago. How old is Omar now?", "2 * 6 + 4", "auto"),
    ("rate-01", "A car travels at 60 kilometers per hour. How many kilometers does it travel in 3.5 hours?", "60 * 3.5", "auto"),
    ("rate-02", "A printer prints 18 pages per minute. How many minutes does it need to print 270 pages?", "270 / 18", "auto"),
    ("rate-03", "A cyclist rides 45 kilometers in 2.5 hours. What is her average speed in kilometers per hour?", "45 / 2.5", "auto"),
    ("rate-04", "One pump fills a pool in 6 hours and a second pump fills it in 3 hours. Working together, how many hours do they take to fill the pool?", "1 / (1 / 6 + 1 / 3)", "auto"),
    ("rate-05", "A faucet drips 4 milliliters every minute. How many liters does it drip in one day?", "4 * 60 * 24 / 1000", "auto"),
    ("rate-06", "Three workers paint a fence in 8 hours. How many hours would 4 workers take, working at the same rate?", "3 * 8 / 4", "auto"),
    ("avg-01", "Kai scored 78, 85 and 92 on three tests. What is his average score?", "(78 + 85 + 92) / 3", "auto"),
    ("avg-02", "The average of four numbers is 15. Three of them are 10, 12 and 20. What is the fourth number?", "4 * 15 - 10 - 12 - 20", "auto"),
    ("geo-01", "A garden is 14 meters long and 9 meters wide. What is its area in square meters?", "14 * 9", "auto"),
    ("geo-02", "A square field has a perimeter of 84 meters. How long is one side, in meters?", "84 / 4", "auto"),
    ("geo-03", "A rectangle is 12 centimeters long and 5 centimeters wide. What is its perimeter in centimeters?", "2 * (12 + 5)", "auto"),
    ("unit-01", "A jug holds 2.5 liters. How many 250-milliliter glasses can it fill?", "2.5 * 1000 / 250", "auto"),
    ("unit-02", "A hiking trail is 3.2 kilometers long. How many meters is that?", "3.2 * 1000", "auto"),
    ("unit-03", "A bag of flour weighs 1.5 kilograms. How many grams do 4 bags weigh?", "1.5 * 4 * 1000", "auto"),
    ("temp-01", "The temperature was -4 degrees at dawn and rose by 11 degrees by noon. What was the temperature at noon, in degrees?", "-4 + 11", "auto"),
    ("temp-02", "The temperature at noon was 6 degrees and it fell by 15 degrees overnight. What was the overnight temperature, in degrees?", "6 - 15", "auto"),
    ("multi-01", "A farmer has 17 hens and each hen lays 5 eggs a week. He sells the eggs in cartons of 10. How many full cartons can he fill in a week?", "(17 * 5) // 10", "auto"),
    ("multi-02", "A school orders 9 boxes of markers with 12 markers in each box. The markers are shared equally among 4 classes. How many markers does each class get?", "9 * 12 / 4", "auto"),
    ("multi-03", "A parking garage has 5 levels with 48 spaces on each level. 173 cars are parked in it. How many spaces are empty?", "5 * 48 - 173", "auto"),
    ("multi-04", "Jo reads 25 pages a day for a week and then 40 pages a day for 3 days. How many pages does she read in total?", "25 * 7 + 40 * 3", "auto"),
    ("multi-05", "A bakery sells muffins at $3 each or 4 for $10. How many dollars are saved by buying 12 muffins in groups of 4 instead of one at a time?", "12 * 3 - 12 / 4 * 10", "auto"),
    ("multi-06", "A staircase has 14 steps. Mia climbs it up and down 3 times each day. How many steps does she take on the staircase in 5 days?", "14 * 2 * 3 * 5", "auto"),
    ("multi-07", "A hall has 8 rows of 15 chairs, but 11 of the chairs are broken. How many chairs can be used?", "8 * 15 - 11", "auto"),
]

_OPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
}


def evaluate(expression):
    """Exact value of an arithmetic expression: numbers, + - * / //, unary minus, parentheses."""

    def walk(node):
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            # From the source text, so 0.45 is exactly 45/100, not the nearest double.
            return Fraction(ast.get_source_segment(expression, node))
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            return Fraction(_OPS[type(node.op)](walk(node.left), walk(node.right)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            return -walk(node.operand)
        raise ValueError(f"unsupported syntax in {expression!r}: {ast.dump(node)}")

    return walk(ast.parse(expression, mode="eval"))


def format_answer(value, style):
    if style == "fraction":
        if value.denominator == 1:
            raise ValueError(f"{value} is a whole number; use the 'auto' format")
        return f"{value.numerator}/{value.denominator}"
    if value.denominator == 1:
        return str(value.numerator)
    # A terminating decimal: the denominator has no prime factors but 2 and 5.
    rest = value.denominator
    for prime in (2, 5):
        while rest % prime == 0:
            rest //= prime
    if rest != 1:
        raise ValueError(f"{value} has no exact decimal form; use the 'fraction' format")
    places = 0
    scaled = value
    while scaled.denominator != 1:
        scaled *= 10
        places += 1
    sign = "-" if scaled < 0 else ""
    digits = str(abs(scaled.numerator)).rjust(places + 1, "0")
    return f"{sign}{digits[:-places]}.{digits[-places:]}"


def records():
    seen = set()
    for problem_id, question, expression, style in PROBLEMS:
        if problem_id in seen:
            raise ValueError(f"duplicate id {problem_id}")
        seen.add(problem_id)
        answer = format_answer(evaluate(expression), style)
        yield {"id": problem_id, "question": question, "answer": answer,
               "solution": f"{expression} = {answer}"}


def render():
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records())


def main(argv):
    expected = render()
    if "--write" in argv:
        JSONL.write_text(expected, encoding="utf-8")
        print(f"wrote {len(PROBLEMS)} problems to {JSONL}")
        return 0
    actual = JSONL.read_text(encoding="utf-8") if JSONL.exists() else ""
    if actual == expected:
        print(f"OK, {len(PROBLEMS)} problems, every answer matches its expression")
        return 0
    expected_lines, actual_lines = expected.splitlines(), actual.splitlines()
    for number, (want, got) in enumerate(zip(expected_lines, actual_lines), start=1):
        if want != got:
            print(f"{JSONL}:{number}: differs from the table\n  want: {want}\n  got:  {got}")
            break
    else:
        print(f"{JSONL}: {len(actual_lines)} lines, expected {len(expected_lines)}")
    print("run with --write to regenerate it")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
