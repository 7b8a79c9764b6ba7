async def test_me_for_entity_user(client, partner, entity):
    user = await partner.user_with(entity["id"], role=["read"])
    response = await client.get("/entity_users/me", headers=user.auth)
    assert response.status_code == 200
    assert response.json()["id"] == user.id
