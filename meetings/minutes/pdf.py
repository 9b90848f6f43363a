"""The minutes as a PDF, made the way the AGM guide's printable copy is
(`meetings.guides.pdf`: fpdf2, the same page layout, fonts and colours)."""

from meetings.guides.pdf import (
    _NEXT_LINE,
    BRAND,
    FONT,
    MUTED,
    _GuideDocument,
    pdf_text,
    rich_text_paragraphs,
)


def write_minutes_pdf(minutes):
    """The published minutes page as a printable PDF, returned as bytes."""
    pdf = _GuideDocument(footer_text=pdf_text(minutes.title))
    pdf.set_title(minutes.title)
    pdf.set_subject("Minutes")
    pdf.set_lang("en-CA")
    pdf.add_page()
    pdf.set_font(FONT, "B", 20)
    pdf.set_text_color(*BRAND)
    pdf.multi_cell(0, 9, pdf_text(minutes.title), align="L", **_NEXT_LINE)
    pdf.ln(2)
    pdf.paragraphs(rich_text_paragraphs(minutes.details))
    pdf.heading("Attendance and quorum")
    pdf.paragraphs(rich_text_paragraphs(minutes.attendance))

    pdf.heading("Business")
    for number, row in enumerate(minutes.items.all(), start=1):
        pdf.subheading(f"{number}. {row.title}")
        pdf.paragraphs(rich_text_paragraphs(row.text))
        for line in (row.moved, row.opened):
            if line:
                pdf.text_block(line, colour=MUTED)
        for line in row.result_lines:
            pdf.text_block(line)
        if row.note:
            pdf.ln(1)
            pdf.text_block(f"Note: {row.note}", style="I")
    if minutes.general_notes:
        pdf.heading("Notes")
        pdf.text_block(minutes.general_notes)
    if minutes.chair_log:
        pdf.heading("Chair's actions")
        for line in minutes.chair_log.splitlines():
            pdf.text_block(line, size=9.5)
    return bytes(pdf.output())
