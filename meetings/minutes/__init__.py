"""A meeting's minutes: drafted by the site from what happened, annotated by the chair or
secretary, published as a members-only page (with revisions) and a PDF."""
