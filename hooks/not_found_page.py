"""404.html: the default language's build of it, with a switcher to each language's home.

mkdocs-static-i18n renders 404.html once per language into the same file (the last
language's wins) and leaves the switcher pointing at the twin of the last page it built.
This hook gives 404.html the language homes for its switcher (mkdocs-static-i18n's own
list, before any page changed it) and writes only the default language's 404.html, the
one file a host serves for every missing address (its text is in both languages,
overrides/404.html).
"""

from __future__ import annotations

from copy import deepcopy


def on_template_context(context, template_name, config):
    i18n = config.plugins.get("i18n")
    if template_name == "404.html" and i18n is not None and i18n.extra_alternate:
        config.extra["alternate"] = deepcopy(i18n.extra_alternate)
    return context


def on_post_template(output_content, template_name, config):
    i18n = config.plugins.get("i18n")
    if template_name == "404.html" and i18n is not None and not i18n.is_default_language_build:
        return ""  # mkdocs writes nothing for an empty template
    return output_content
