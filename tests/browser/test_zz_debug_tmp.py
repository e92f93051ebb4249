from playwright.sync_api import Page, expect
from .test_board import board_data, sign_in, cards_of, fast_passwords  # noqa

def test_dbg(live_server, page: Page, seller, board_data):
    stages, deals = board_data
    page.on("console", lambda m: print("CONSOLE", m.type, m.text))
    sign_in(page, live_server.url, "seller@acme.test")
    sel = f"#deal-{deals['printers'].pk}"
    expect(page.locator(sel)).to_be_visible()
    page.evaluate("""() => { for (const t of ['pointerdown','mousedown','pointermove','mouseup','pointerup']) document.addEventListener(t, e => console.log(t, e.target.tagName, e.clientX, e.clientY), true); }""")
    import os
    if os.environ.get("SORTON"):
        page.evaluate("for (const el of document.querySelectorAll('.board-cards')) Sortable.get(el).option('sort', true)")
    page.evaluate("""() => { for (const el of document.querySelectorAll('.board-cards')) { const sb = Sortable.get(el); const orig = sb._onDragOver.bind(sb); sb._onDragOver = (e) => { const r = orig(e); console.log('over', el.id, e.target && e.target.tagName, r); return r; }; } }""")
    s = page.locator(sel).bounding_box(); t = page.locator(cards_of(stages[1])).bounding_box()
    print("boxes", s, t)
    page.mouse.move(s["x"] + 50, s["y"] + 12)
    page.mouse.down()
    page.mouse.move(s["x"] + 60, s["y"] + 20, steps=3)
    print("dragging?", page.evaluate("document.getElementById('board').className"))
    page.mouse.move(t["x"] + t["width"]/2, t["y"] + float(os.environ.get("DY","40")), steps=5)
    page.wait_for_timeout(300)
    page.mouse.move(t["x"] + t["width"]/2 + 2, t["y"] + float(os.environ.get("DY","40"))+2, steps=2)
    page.wait_for_timeout(300)
    print("dragging2?", page.evaluate("document.getElementById('board').className"), page.evaluate(f"document.querySelector('{sel}').parentElement.id"))
    page.mouse.up()
    page.wait_for_timeout(1000)
    print("status", page.locator("#board-status").text_content())
    assert 0
