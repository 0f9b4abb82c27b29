"""Django's ``i18n`` template library, with its text fixed at compile time while translation is off.

With ``USE_I18N`` off (settings.py: English is the only language so far), ``{% translate "Save" %}`` and a
``{% blocktranslate %}`` without variables render the same text on every request, yet Django's nodes look it
up again each time: about fifteen calls per tag, a fifth of a sandbox page's work. This library renders such
a tag once, when the template is compiled, and keeps the text. Templates load it as
``{% load iamtutor_i18n %}`` (TEMPLATES' ``libraries``; a test sees that none loads Django's own ``i18n``).
Every other tag (variables, plurals, ``as``, ``context``, filters) is Django's own node, as is every tag
when ``USE_I18N`` is on.
"""

from __future__ import annotations

from types import SimpleNamespace

from django.conf import settings
from django.template import Context, Library, Node
from django.templatetags import i18n

register = Library()
register.tags.update(i18n.register.tags)
register.filters.update(i18n.register.filters)


class FixedTextNode(Node):
    """A tag whose output was rendered at compile time (already escaped where Django's node would escape)."""

    child_nodelists = ()

    def __init__(self, text: str, token) -> None:
        self.text = text
        self.token = token

    def render(self, context) -> str:
        return self.text


def _fixed(node: Node) -> bool:
    """Whether ``node`` renders the same text whatever the context, translation being off."""
    if isinstance(node, i18n.TranslateNode):
        expression = node.filter_expression
        return (
            not node.asvar
            and node.message_context is None
            and not expression.filters
            and getattr(expression.var, "literal", None) is not None
        )
    if isinstance(node, i18n.BlockTranslateNode):
        tokens = [*node.singular, *(node.plural or [])]
        return (
            not node.asvar
            and node.message_context is None
            and node.counter is None
            and not node.extra_context
            and all(token.token_type.name == "TEXT" for token in tokens)
        )
    return False


def _compiled(node: Node, token) -> Node:
    if settings.USE_I18N or not _fixed(node):
        return node
    context = Context(autoescape=True)
    context.template = SimpleNamespace(engine=SimpleNamespace(string_if_invalid=""))  # read, unused: no variables
    return FixedTextNode(node.render(context), token)


@register.tag("translate")
@register.tag("trans")
def do_translate(parser, token):
    return _compiled(i18n.do_translate(parser, token), token)


@register.tag("blocktranslate")
@register.tag("blocktrans")
def do_block_translate(parser, token):
    return _compiled(i18n.do_block_translate(parser, token), token)
