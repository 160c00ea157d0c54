"""Help texts shown by the "?" buttons (a dialog over the page, or a page of its own), collected
from every app's declared topics (``<app>/panel.py``)."""

from django.http import Http404

from .registry import HelpTopic, LazyRegistry, help_topics

HELP_TOPICS = LazyRegistry(help_topics)


def get_topic_or_404(slug: str) -> HelpTopic:
    try:
        return HELP_TOPICS[slug]
    except KeyError as exc:
        raise Http404("No such help topic.") from exc
