"""A visitor, not signed in, reads the privacy statement and the virtual AGM guide
and downloads the guide's instructions as a PDF."""

import re

from tests.browser.browsing import ALL_MODES, BROWSER_TEST, expect, in_modes

pytestmark = BROWSER_TEST


@in_modes(ALL_MODES)
def test_visitor_reads_the_privacy_statement_and_the_agm_guide_and_downloads_its_pdf(
    demo, open_context, mode
):
    page = open_context(mode).new_page()
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()

    main_menu = page.get_by_role("navigation", name="Main")
    main_menu.get_by_role("link", name="Privacy statement").click()
    expect(page).to_have_url(re.compile(r"/privacy-statement/$"))
    expect(page.get_by_role("heading", level=1, name="Privacy statement")).to_be_visible()
    main = page.get_by_role("main")
    expect(main).to_contain_text("Last reviewed")
    # The Privacy Officer's card comes from the site settings.
    expect(main.get_by_role("link", name="privacy@northwind.example")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Guides").click()
    expect(page.get_by_role("heading", level=1, name="Guides")).to_be_visible()
    page.get_by_role("main").get_by_role("link", name=re.compile("virtual AGM", re.I)).first.click()
    expect(page.get_by_role("heading", name="Step by step")).to_be_visible()
    expect(page.locator("ol.steps > li").first).to_be_visible()

    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("Download these instructions")).click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"
