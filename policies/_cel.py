"""CEL conditions compiled to Python closures, type-checked and evaluated in three-valued logic.

Parsing is cel-python's (``celpy.celparser``, the cel-spec grammar); nothing here calls
``eval``, ``exec`` or ``compile``. Each parsed expression is translated once into a tree of
small closures that read ``PolicyFacts`` attributes directly, which is what makes the
evaluator fast enough for whole crawls (cel-python's own interpreter takes milliseconds per
expression).

Unknown facts follow cel-spec's treatment of unknown values: a comparison, ``in``, ``!``,
``size`` or function applied to an unknown value is unknown; ``&&`` and ``||`` absorb it
when the other side decides (``false && unknown`` is ``false``, ``true || unknown`` is
``true``); ``exists`` is true as soon as one element is, ``all`` false as soon as one is. A
condition therefore evaluates to ``True``, ``False`` or ``UNKNOWN``, and the evaluator turns
``UNKNOWN`` into ``needs-review`` instead of letting it read as false. The one way to test for
unknown explicitly is comparing a nullable field with ``null`` (``subject_is_minor == null``).

The supported subset is what rules need: literals, lists, fields, ``.code`` / ``.country`` /
``.confidence`` on jurisdiction candidates, ``== != < <= > >= in && || ! ?:``, ``size``,
``startsWith`` / ``endsWith`` / ``contains`` and the ``exists`` / ``all`` / ``exists_one``
macros. Anything else is refused when the pack loads, with the reason and position.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

import lark
import lark.exceptions
from celpy.celparser import CELParseError, CELParser
from celpy.evaluation import celstr

from policies.facts import FieldSpec


class _Unknown:
    """The single unknown value; refuses truth testing so it can never pass for false."""

    _instance: _Unknown | None = None

    def __new__(cls) -> _Unknown:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "UNKNOWN"

    def __bool__(self) -> bool:
        raise TypeError("UNKNOWN has no truth value; test it with `is UNKNOWN`")


UNKNOWN: Final = _Unknown()

Fn = Callable[[Any, dict[str, Any]], Any]
Tree = lark.Tree[Any]
Result = bool | _Unknown


class CelError(Exception):
    """A condition that does not parse or does not type-check; ``line``/``column`` are 1-based
    positions inside the expression text (``None`` when the parser gives none)."""

    def __init__(self, reason: str, line: int | None = None, column: int | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.line = line
        self.column = column


@dataclass(frozen=True, slots=True)
class CelType:
    """Static type of a sub-expression: ``kind`` and whether it may evaluate to UNKNOWN."""

    kind: str  # bool int double string date null list candidate
    maybe_unknown: bool = False
    values: frozenset[str] | None = None  # enum vocabulary of a string or of list elements
    elem: CelType | None = None


_NUMERIC = frozenset({"int", "double"})
_MISSING: Final = object()
_MACRO_MEMO_LIMIT: Final = 65_536
_CANDIDATE_MEMBERS: Final = {"code": "string", "country": "string", "confidence": "double"}


@dataclass(slots=True)
class _Node:
    fn: Fn
    type: CelType
    const: bool = False
    value: Any = None
    field: str | None = None  # set when the node is a bare reference to a facts field


@dataclass(frozen=True, eq=False)
class Condition:
    """A compiled condition: ``evaluate(facts)`` returns ``True``, ``False`` or ``UNKNOWN``.

    ``fields`` are the ``PolicyFacts`` fields the expression reads, sorted; the evaluator uses
    them as memo keys and to name the unknown facts behind an undecided rule.
    """

    source: str
    fields: tuple[str, ...]
    fn: Fn = field(repr=False)

    def evaluate(self, facts: object) -> Result:
        """Evaluate against one record; never raises on facts of the declared types."""
        result: Result = self.fn(facts, {})
        return result


_PARSER: CELParser | None = None


def _parser() -> CELParser:
    global _PARSER  # one lark parser for the process, as celpy itself keeps
    if _PARSER is None:
        _PARSER = CELParser()
    return _PARSER


def parse(text: str) -> Tree:
    """Parse CEL text with cel-python's grammar; raise ``CelError`` with the position."""
    try:
        return _parser().parse(text)
    except CELParseError as err:
        cause = err.__context__
        if isinstance(cause, lark.exceptions.UnexpectedToken):
            token = str(cause.token)
            what = f"unexpected {token!r}" if token else "unexpected end of expression"
        elif isinstance(cause, lark.exceptions.UnexpectedCharacters):
            what = f"unexpected character {cause.char!r}"
        else:
            what = "cannot parse"
        where = f" at line {err.line} column {err.column}" if err.line else ""
        raise CelError(f"CEL syntax error{where}: {what}", err.line, err.column) from err


def compile_condition(text: str, fields: Mapping[str, FieldSpec]) -> Condition:
    """Parse, type-check against ``fields`` and translate ``text`` into a ``Condition``.

    Raises ``CelError`` when the text does not parse, uses an unsupported construct, names a
    field that is not declared, compares values of different types, tests a string against a
    value outside its vocabulary, or is not boolean.
    """
    tree = parse(text)
    translator = _Translator(fields)
    node = translator.expr(tree)
    if node.type.kind != "bool":
        raise CelError(f"the condition must be boolean, not {node.type.kind}", 1, 1)
    if node.const:
        value = node.value

        def constant(f: Any, e: dict[str, Any]) -> Any:
            return value

        return Condition(text, tuple(sorted(translator.used)), constant)
    return Condition(text, tuple(sorted(translator.used)), node.fn)


def _pos(tree: Tree | lark.Token) -> tuple[int | None, int | None]:
    if isinstance(tree, lark.Token):
        return tree.line, tree.column
    meta = tree.meta
    return getattr(meta, "line", None), getattr(meta, "column", None)


def _const(value: Any, type_: CelType) -> _Node:
    def fn(f: Any, e: dict[str, Any]) -> Any:
        return value

    return _Node(fn, type_, const=True, value=value)


class _Translator:
    def __init__(self, fields: Mapping[str, FieldSpec]) -> None:
        self.fields = fields
        self.used: set[str] = set()
        self.trackers: list[set[str]] = []  # fields read inside each enclosing macro
        self.scope: dict[str, CelType] = {}

    def fail(self, tree: Tree | lark.Token, reason: str) -> CelError:
        line, column = _pos(tree)
        return CelError(reason, line, column)

    def expr(self, tree: Tree) -> _Node:
        method = getattr(self, f"t_{tree.data}", None)
        if method is None:
            raise self.fail(tree, f"unsupported CEL construct: {tree.data}")
        node: _Node = method(tree)
        return node

    def t_expr(self, tree: Tree) -> _Node:
        if len(tree.children) == 1:
            return self.expr(tree.children[0])
        cond, yes, no = (self.expr(c) for c in tree.children)
        self.need(tree, cond, "bool", "the condition of ?:")
        if yes.type.kind != no.type.kind and not {yes.type.kind, no.type.kind} <= _NUMERIC:
            raise self.fail(tree, f"?: branches differ: {yes.type.kind} and {no.type.kind}")
        cf, yf, nf = cond.fn, yes.fn, no.fn

        def ternary(f: Any, e: dict[str, Any]) -> Any:
            c = cf(f, e)
            if c is True:
                return yf(f, e)
            if c is False:
                return nf(f, e)
            a, b = yf(f, e), nf(f, e)
            return a if a is not UNKNOWN and b is not UNKNOWN and a == b else UNKNOWN

        return _Node(ternary, CelType(yes.type.kind, True, yes.type.values, yes.type.elem))

    def t_conditionalor(self, tree: Tree) -> _Node:
        if len(tree.children) == 1:
            return self.expr(tree.children[0])
        left, right = (self.expr(c) for c in tree.children)
        self.need(tree, left, "bool", "||")
        self.need(tree, right, "bool", "||")
        lf, rf = left.fn, right.fn
        if not left.type.maybe_unknown and not right.type.maybe_unknown:

            def or_known(f: Any, e: dict[str, Any]) -> Any:
                return lf(f, e) or rf(f, e)

            return _Node(or_known, CelType("bool"))

        def or_(f: Any, e: dict[str, Any]) -> Any:
            a = lf(f, e)
            if a is True:
                return True
            b = rf(f, e)
            if b is True:
                return True
            return False if a is False and b is False else UNKNOWN

        return _Node(or_, CelType("bool", True))

    def t_conditionaland(self, tree: Tree) -> _Node:
        if len(tree.children) == 1:
            return self.expr(tree.children[0])
        left, right = (self.expr(c) for c in tree.children)
        self.need(tree, left, "bool", "&&")
        self.need(tree, right, "bool", "&&")
        lf, rf = left.fn, right.fn
        if not left.type.maybe_unknown and not right.type.maybe_unknown:

            def and_known(f: Any, e: dict[str, Any]) -> Any:
                return lf(f, e) and rf(f, e)

            return _Node(and_known, CelType("bool"))

        def and_(f: Any, e: dict[str, Any]) -> Any:
            a = lf(f, e)
            if a is False:
                return False
            b = rf(f, e)
            if b is False:
                return False
            return True if a is True and b is True else UNKNOWN

        return _Node(and_, CelType("bool", True))

    def t_relation(self, tree: Tree) -> _Node:
        if len(tree.children) == 1:
            return self.expr(tree.children[0])
        op_tree, right_tree = tree.children
        op = op_tree.data
        left = self.expr(op_tree.children[0])
        right = self.expr(right_tree)
        if op in ("relation_eq", "relation_ne"):
            return self.equality(tree, left, right, negate=op == "relation_ne")
        if op == "relation_in":
            return self.membership(tree, left, right)
        return self.ordering(tree, op, left, right)

    def equality(self, tree: Tree, left: _Node, right: _Node, *, negate: bool) -> _Node:
        if right.type.kind == "null" or left.type.kind == "null":
            other = left if right.type.kind == "null" else right
            if other.field is None or not self.fields[other.field].nullable:
                raise self.fail(tree, "null can only be compared with a nullable field")
            getter = operator.attrgetter(other.field)
            if negate:

                def not_null(f: Any, e: dict[str, Any]) -> Any:
                    return getter(f) is not None

                return _Node(not_null, CelType("bool"))

            def is_null(f: Any, e: dict[str, Any]) -> Any:
                return getter(f) is None

            return _Node(is_null, CelType("bool"))
        self.comparable(tree, left.type, right.type)
        self.check_vocabulary(tree, left, right)
        self.check_vocabulary(tree, right, left)
        op = operator.ne if negate else operator.eq
        return self.binary(op, left, right, "bool")

    def membership(self, tree: Tree, left: _Node, right: _Node) -> _Node:
        if right.type.kind != "list" or right.type.elem is None:
            raise self.fail(tree, f"`in` needs a list on its right, not {right.type.kind}")
        self.comparable(tree, left.type, right.type.elem)
        if left.const and right.type.values is not None and left.value not in right.type.values:
            raise self.fail(tree, f"{left.value!r} is not a possible element of this list")
        if right.const and left.type.values is not None:
            bad = [v for v in right.value if v not in left.type.values]
            if bad:
                raise self.fail(tree, f"{bad!r} not in the vocabulary {sorted(left.type.values)}")
        if right.const:
            try:
                members: Any = frozenset(right.value)
            except TypeError:
                members = right.value
            lf = left.fn
            if left.type.maybe_unknown:

                def in_const_maybe(f: Any, e: dict[str, Any]) -> Any:
                    v = lf(f, e)
                    return UNKNOWN if v is UNKNOWN else v in members

                return _Node(in_const_maybe, CelType("bool", True))

            def in_const(f: Any, e: dict[str, Any]) -> Any:
                return lf(f, e) in members

            return _Node(in_const, CelType("bool"))
        return self.binary(lambda a, b: a in b, left, right, "bool")

    def ordering(self, tree: Tree, op: str, left: _Node, right: _Node) -> _Node:
        kinds = {left.type.kind, right.type.kind}
        if not (kinds <= _NUMERIC or kinds == {"string"}):
            raise self.fail(tree, f"cannot order {left.type.kind} and {right.type.kind}")
        ops = {
            "relation_lt": operator.lt,
            "relation_le": operator.le,
            "relation_gt": operator.gt,
            "relation_ge": operator.ge,
        }
        return self.binary(ops[op], left, right, "bool")

    def binary(self, op: Callable[[Any, Any], Any], left: _Node, right: _Node, kind: str) -> _Node:
        lf, rf = left.fn, right.fn
        maybe = left.type.maybe_unknown or right.type.maybe_unknown
        if left.const and right.const:
            return _const(op(left.value, right.value), CelType(kind))
        if right.const and not maybe:
            c = right.value

            def op_const(f: Any, e: dict[str, Any]) -> Any:
                return op(lf(f, e), c)

            return _Node(op_const, CelType(kind))
        if right.const:
            c = right.value

            def op_const_maybe(f: Any, e: dict[str, Any]) -> Any:
                a = lf(f, e)
                return UNKNOWN if a is UNKNOWN else op(a, c)

            return _Node(op_const_maybe, CelType(kind, True))
        if not maybe:

            def op_known(f: Any, e: dict[str, Any]) -> Any:
                return op(lf(f, e), rf(f, e))

            return _Node(op_known, CelType(kind))

        def op_maybe(f: Any, e: dict[str, Any]) -> Any:
            a = lf(f, e)
            b = rf(f, e)
            return UNKNOWN if a is UNKNOWN or b is UNKNOWN else op(a, b)

        return _Node(op_maybe, CelType(kind, True))

    def comparable(self, tree: Tree, a: CelType, b: CelType) -> None:
        if a.kind == b.kind and a.kind in ("bool", "string", "int", "double", "candidate"):
            return
        if {a.kind, b.kind} <= _NUMERIC:
            return
        raise self.fail(tree, f"cannot compare {a.kind} with {b.kind}")

    def check_vocabulary(self, tree: Tree, typed: _Node, literal: _Node) -> None:
        if typed.type.kind == "string" and typed.type.values is not None and literal.const:
            if literal.value not in typed.type.values:
                raise self.fail(
                    tree,
                    f"{literal.value!r} is not a possible value here; "
                    f"expected one of {sorted(typed.type.values)}",
                )

    def t_addition(self, tree: Tree) -> _Node:
        if len(tree.children) == 1:
            return self.expr(tree.children[0])
        raise self.fail(tree, "arithmetic is not supported in policy conditions")

    t_multiplication = t_addition

    def t_unary(self, tree: Tree) -> _Node:
        if len(tree.children) == 1:
            return self.expr(tree.children[0])
        op_tree, operand_tree = tree.children
        operand = self.expr(operand_tree)
        if op_tree.data == "unary_neg":
            if operand.const and operand.type.kind in _NUMERIC:
                return _const(-operand.value, operand.type)
            raise self.fail(tree, "negation is only supported on number literals")
        self.need(tree, operand, "bool", "!")
        of = operand.fn
        if operand.const:
            return _const(not operand.value, CelType("bool"))
        if not operand.type.maybe_unknown:

            def not_known(f: Any, e: dict[str, Any]) -> Any:
                return not of(f, e)

            return _Node(not_known, CelType("bool"))

        def not_(f: Any, e: dict[str, Any]) -> Any:
            v = of(f, e)
            return UNKNOWN if v is UNKNOWN else not v

        return _Node(not_, CelType("bool", True))

    def t_member(self, tree: Tree) -> _Node:
        return self.expr(tree.children[0])

    def t_primary(self, tree: Tree) -> _Node:
        return self.expr(tree.children[0])

    def t_paren_expr(self, tree: Tree) -> _Node:
        return self.expr(tree.children[0])

    def t_literal(self, tree: Tree) -> _Node:
        token = tree.children[0]
        assert isinstance(token, lark.Token)
        kind = token.type
        if kind == "BOOL_LIT":
            return _const(token.value == "true", CelType("bool"))
        if kind == "INT_LIT":
            return _const(int(token.value, 0), CelType("int"))
        if kind == "FLOAT_LIT":
            return _const(float(token.value), CelType("double"))
        if kind in ("STRING_LIT", "MLSTRING_LIT"):
            return _const(str(celstr(token)), CelType("string"))
        if kind == "NULL_LIT":
            return _const(None, CelType("null"))
        raise self.fail(token, f"unsupported literal type {kind}")

    def t_list_lit(self, tree: Tree) -> _Node:
        items = [self.expr(c) for c in tree.children[0].children] if tree.children else []
        if not all(i.const for i in items):
            raise self.fail(tree, "list literals may only hold constants")
        kinds = {i.type.kind for i in items}
        if len(kinds) > 1 and not kinds <= _NUMERIC:
            raise self.fail(tree, f"list literal mixes {sorted(kinds)}")
        elem = CelType(kinds.pop()) if kinds else CelType("null")
        return _const(tuple(i.value for i in items), CelType("list", elem=elem))

    def t_ident(self, tree: Tree) -> _Node:
        token = tree.children[0]
        assert isinstance(token, lark.Token)
        name = str(token.value)
        if name in self.scope:
            type_ = self.scope[name]

            def var(f: Any, e: dict[str, Any]) -> Any:
                return e[name]

            return _Node(var, type_)
        spec = self.fields.get(name)
        if spec is None:
            raise self.fail(token, f"unknown field {name!r}: not a PolicyFacts field")
        self.used.add(name)
        for tracker in self.trackers:
            tracker.add(name)
        getter = operator.attrgetter(name)
        if spec.kind == "candidates":

            def candidates(f: Any, e: dict[str, Any]) -> Any:
                v = getter(f)
                return v if v else UNKNOWN

            return _Node(candidates, CelType("list", True, elem=CelType("candidate")), field=name)
        type_ = self.field_type(spec)
        if spec.nullable:

            def nullable(f: Any, e: dict[str, Any]) -> Any:
                v = getter(f)
                return UNKNOWN if v is None else v

            return _Node(nullable, type_, field=name)

        def plain(f: Any, e: dict[str, Any]) -> Any:
            return getter(f)

        return _Node(plain, type_, field=name)

    @staticmethod
    def field_type(spec: FieldSpec) -> CelType:
        if spec.kind == "list":
            elem = CelType("string", values=spec.values)
            return CelType("list", spec.nullable, spec.values, elem)
        return CelType(spec.kind, spec.nullable, spec.values)

    def t_member_dot(self, tree: Tree) -> _Node:
        target_tree, name_token = tree.children
        target = self.expr(target_tree)
        name = str(name_token)
        if target.type.kind != "candidate":
            raise self.fail(name_token, f"{target.type.kind} has no member {name!r}")
        if name not in _CANDIDATE_MEMBERS:
            raise self.fail(
                name_token,
                f"a jurisdiction candidate has no member {name!r} "
                f"(it has {', '.join(sorted(_CANDIDATE_MEMBERS))})",
            )
        getter = operator.attrgetter(name)
        tf = target.fn

        def member(f: Any, e: dict[str, Any]) -> Any:
            return getter(tf(f, e))

        return _Node(member, CelType(_CANDIDATE_MEMBERS[name]))

    def t_ident_arg(self, tree: Tree) -> _Node:
        name_token = tree.children[0]
        args = list(tree.children[1].children) if len(tree.children) > 1 else []
        if str(name_token) != "size" or len(args) != 1:
            raise self.fail(name_token, f"unsupported function {name_token}() in conditions")
        return self.size(tree, self.expr(args[0]))

    def size(self, tree: Tree, target: _Node) -> _Node:
        if target.type.kind not in ("list", "string"):
            raise self.fail(tree, f"size() needs a list or string, not {target.type.kind}")
        tf = target.fn
        if target.type.maybe_unknown:

            def size_maybe(f: Any, e: dict[str, Any]) -> Any:
                v = tf(f, e)
                return UNKNOWN if v is UNKNOWN else len(v)

            return _Node(size_maybe, CelType("int", True))

        def size_known(f: Any, e: dict[str, Any]) -> Any:
            return len(tf(f, e))

        return _Node(size_known, CelType("int"))

    def t_member_dot_arg(self, tree: Tree) -> _Node:
        target_tree, name_token = tree.children[0], tree.children[1]
        arg_trees = list(tree.children[2].children) if len(tree.children) > 2 else []
        name = str(name_token)
        if name in ("exists", "all", "exists_one"):
            return self.macro(tree, name, target_tree, arg_trees)
        target = self.expr(target_tree)
        if name == "size" and not arg_trees:
            return self.size(tree, target)
        string_methods: dict[str, Callable[[Any, Any], Any]] = {
            "startsWith": str.startswith,
            "endsWith": str.endswith,
            "contains": operator.contains,
        }
        if name not in string_methods or len(arg_trees) != 1:
            raise self.fail(name_token, f"unsupported method .{name}() in conditions")
        if target.type.kind != "string":
            raise self.fail(name_token, f".{name}() needs a string, not {target.type.kind}")
        arg = self.expr(arg_trees[0])
        if arg.type.kind != "string":
            raise self.fail(name_token, f".{name}() takes a string, not {arg.type.kind}")
        return self.binary(string_methods[name], target, arg, "bool")

    def macro(self, tree: Tree, name: str, target_tree: Tree, arg_trees: list[Any]) -> _Node:
        target = self.expr(target_tree)
        if target.type.kind != "list" or target.type.elem is None:
            raise self.fail(tree, f".{name}() needs a list, not {target.type.kind}")
        if len(arg_trees) != 2:
            raise self.fail(tree, f".{name}(var, predicate) takes two arguments")
        var = _bare_ident(arg_trees[0])
        if var is None:
            raise self.fail(tree, f"the first argument of .{name}() must be a variable name")
        if var in self.fields or var in self.scope:
            raise self.fail(tree, f"variable {var!r} shadows a field or another variable")
        outer_scope = bool(self.scope)
        self.scope[var] = target.type.elem
        self.trackers.append(set())
        try:
            pred = self.expr(arg_trees[1])
        finally:
            del self.scope[var]
            pred_fields = self.trackers.pop()
        self.need(tree, pred, "bool", f".{name}()")
        tf, pf = target.fn, pred.fn

        def exists(items: Any, f: Any, e: dict[str, Any]) -> Any:
            inner = {**e, var: None}
            unknown = False
            for item in items:
                inner[var] = item
                r = pf(f, inner)
                if r is True:
                    return True
                if r is not False:
                    unknown = True
            return UNKNOWN if unknown else False

        def all_(items: Any, f: Any, e: dict[str, Any]) -> Any:
            inner = {**e, var: None}
            unknown = False
            for item in items:
                inner[var] = item
                r = pf(f, inner)
                if r is False:
                    return False
                if r is not True:
                    unknown = True
            return UNKNOWN if unknown else True

        def exists_one(items: Any, f: Any, e: dict[str, Any]) -> Any:
            inner = {**e, var: None}
            trues = 0
            for item in items:
                inner[var] = item
                r = pf(f, inner)
                if r is True:
                    trues += 1
                elif r is not False:
                    return UNKNOWN
            return trues == 1

        over = {"exists": exists, "all": all_, "exists_one": exists_one}[name]
        maybe = target.type.maybe_unknown or pred.type.maybe_unknown
        if target.field is not None and not pred_fields and not outer_scope:
            # The predicate reads only its own variable, so the result is a function of the
            # list alone (a record's jurisdiction candidates, its opt-out signals): memoise
            # on the list, which records of one host or crawl share.
            memo: dict[Any, Any] = {}

            def over_list(f: Any, e: dict[str, Any]) -> Any:
                items = tf(f, e)
                if items is UNKNOWN:
                    return UNKNOWN
                result = memo.get(items, _MISSING)
                if result is _MISSING:
                    if len(memo) >= _MACRO_MEMO_LIMIT:
                        memo.clear()
                    result = memo[items] = over(items, f, e)
                return result

            return _Node(over_list, CelType("bool", maybe))

        def macro(f: Any, e: dict[str, Any]) -> Any:
            items = tf(f, e)
            return UNKNOWN if items is UNKNOWN else over(items, f, e)

        return _Node(macro, CelType("bool", maybe))

    def need(self, tree: Tree, node: _Node, kind: str, where: str) -> None:
        if node.type.kind != kind:
            raise self.fail(tree, f"{where} needs {kind}, not {node.type.kind}")


def _bare_ident(tree: Any) -> str | None:
    """The identifier name if ``tree`` is nothing but one identifier (a macro variable)."""
    while isinstance(tree, lark.Tree):
        if tree.data == "ident":
            return str(tree.children[0])
        if len(tree.children) != 1:
            return None
        tree = tree.children[0]
    return None
