def test_probe(world):
    for raw in ["[]", '"account"', "42", "null"]:
        r = world.api("admin").client.post("/api/v1/accounts", raw, content_type="application/json")
        print(raw, r.status_code, r.content[:300])
