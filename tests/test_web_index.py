from tracker.services.seeding import seed


def test_index_lists_the_plans(client, session):
    seed(session, ["szwz", "ls2007"])
    session.commit()
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "'数字温州'建设规划纲要" in page or "&#39;数字温州&#39;建设规划纲要" in page
    assert "丽水市信息化建设（2007年）" in page
