//! Logging in and out, throttling, sessions, first-run setup, deactivation.

#[macro_use]
mod common;

use common::{session_cookie, TestApp, PASSWORD};
use reqwest::StatusCode;

async fn login_with_the_right_password_opens_a_session(app: &TestApp) {
    app.user("ann@example.test", "member").await;
    let client = app.client();
    let before = app.call(&client, "current_user", &[]).await;
    assert_eq!(before.status(), StatusCode::OK);
    assert_eq!(before.text().await.unwrap(), "null");

    let login = app
        .call(
            &client,
            "login",
            &[("email", " Ann@Example.test "), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(login.status(), StatusCode::OK);
    let cookie = app
        .client()
        .post(format!("{}/api/login", app.url))
        .form(&[("email", "ann@example.test"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    let set_cookie = cookie
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(set_cookie.contains("HttpOnly"), "{set_cookie}");
    assert!(set_cookie.contains("SameSite=Lax"), "{set_cookie}");
    assert!(!set_cookie.contains("Secure"), "{set_cookie}");

    let me: serde_json::Value = app
        .call(&client, "current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "ann@example.test");
    assert_eq!(me["role"], "member");
}
on_both_backends!(
    login_opens_a_session,
    login_with_the_right_password_opens_a_session
);

async fn wrong_password_and_unknown_email_get_the_same_message(app: &TestApp) {
    app.user("bob@example.test", "member").await;
    let client = app.client();
    let wrong = app
        .call(
            &client,
            "login",
            &[("email", "bob@example.test"), ("password", "not it at all")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let wrong_body = wrong.text().await.unwrap();
    let unknown = app
        .call(
            &client,
            "login",
            &[
                ("email", "nobody@example.test"),
                ("password", "not it at all"),
            ],
        )
        .await;
    assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(wrong_body, unknown.text().await.unwrap());
    assert!(wrong_body.contains("InvalidCredentials"), "{wrong_body}");
    let me = app
        .call(&client, "current_user", &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(me, "null");
}
on_both_backends!(
    wrong_login_is_generic,
    wrong_password_and_unknown_email_get_the_same_message
);

async fn the_sixth_attempt_after_five_failures_is_refused_even_with_the_right_password(
    app: &TestApp,
) {
    app.user("cat@example.test", "member").await;
    let client = app.client();
    for _ in 0..5 {
        let r = app
            .call(
                &client,
                "login",
                &[
                    ("email", "cat@example.test"),
                    ("password", "wrong password"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let refused = app
        .call(
            &client,
            "login",
            &[("email", "cat@example.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(refused.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = refused.text().await.unwrap();
    assert!(body.contains("Try again in 15 minutes"), "{body}");
    // Another email is not affected.
    app.user("dan@example.test", "member").await;
    let other = app
        .call(
            &client,
            "login",
            &[("email", "dan@example.test"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(other.status(), StatusCode::OK);
}
on_both_backends!(
    login_throttle,
    the_sixth_attempt_after_five_failures_is_refused_even_with_the_right_password
);

async fn a_session_id_known_before_login_is_useless_after_it(app: &TestApp) {
    app.user("eve@example.test", "admin").await;
    let client = app.client();
    let first = app
        .call(
            &client,
            "login",
            &[("email", "eve@example.test"), ("password", PASSWORD)],
        )
        .await;
    let first_cookie = session_cookie(&first).expect("a session cookie");
    // Logging in again (e.g. an attacker fixed this id beforehand) gives a new id.
    let second = app
        .call(
            &client,
            "login",
            &[("email", "eve@example.test"), ("password", PASSWORD)],
        )
        .await;
    let second_cookie = session_cookie(&second).expect("a new session cookie");
    assert_ne!(first_cookie, second_cookie);
    let stale = reqwest::Client::new()
        .post(format!("{}/api/current_user", app.url))
        .header(reqwest::header::COOKIE, &first_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(stale.text().await.unwrap(), "null");
    let fresh = reqwest::Client::new()
        .post(format!("{}/api/current_user", app.url))
        .header(reqwest::header::COOKIE, &second_cookie)
        .send()
        .await
        .unwrap();
    assert!(fresh.text().await.unwrap().contains("eve@example.test"));
}
on_both_backends!(
    session_rotation,
    a_session_id_known_before_login_is_useless_after_it
);

async fn a_session_survives_a_server_restart(app: &TestApp) {
    // `restart` needs a mutable app: run it on a second app over the same database.
    let mut app2 = TestApp::spawn(app.backend).await;
    let (client, _) = app2.logged_in("member").await;
    let cookie_url = app2.url.clone();
    app2.restart().await;
    assert_ne!(cookie_url, app2.url, "a new port after restart");
    let me = app2.call(&client, "current_user", &[]).await;
    assert_eq!(me.status(), StatusCode::OK);
    assert!(me.text().await.unwrap().contains("\"role\":\"member\""));
    app2.finish().await;
}
on_both_backends!(
    session_survives_restart,
    a_session_survives_a_server_restart
);

async fn logout_ends_the_session(app: &TestApp) {
    let (client, _) = app.logged_in("member").await;
    let out = app.call(&client, "logout", &[]).await;
    assert_eq!(out.status(), StatusCode::OK);
    let me = app.call(&client, "current_user", &[]).await;
    assert_eq!(me.text().await.unwrap(), "null");
    let list = app.call(&client, "list_users", &[]).await;
    assert_eq!(list.status(), StatusCode::UNAUTHORIZED);
}
on_both_backends!(logout, logout_ends_the_session);

async fn a_deactivated_user_cannot_log_in_and_their_sessions_end(app: &TestApp) {
    let (admin, _) = app.logged_in("admin").await;
    let (member, member_id) = app.logged_in("member").await;
    assert_eq!(
        app.call(&member, "list_users", &[]).await.status(),
        StatusCode::OK
    );
    let id = member_id.to_string();
    let off = app
        .call(
            &admin,
            "set_user_active",
            &[("id", &id), ("active", "false")],
        )
        .await;
    assert_eq!(off.status(), StatusCode::OK);
    assert_eq!(
        app.call(&member, "list_users", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let email = app::server::users::find(&app.db, member_id)
        .await
        .unwrap()
        .unwrap()
        .email;
    let again = app
        .call(
            &app.client(),
            "login",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(again.status(), StatusCode::UNAUTHORIZED);
    // Reactivated, they can log in again.
    let on = app
        .call(
            &admin,
            "set_user_active",
            &[("id", &id), ("active", "true")],
        )
        .await;
    assert_eq!(on.status(), StatusCode::OK);
    let back = app
        .call(
            &app.client(),
            "login",
            &[("email", &email), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(back.status(), StatusCode::OK);
}
on_both_backends!(
    deactivation,
    a_deactivated_user_cannot_log_in_and_their_sessions_end
);

async fn the_last_admin_cannot_be_demoted_or_deactivated(app: &TestApp) {
    let (admin, admin_id) = app.logged_in("admin").await;
    let id = admin_id.to_string();
    let off = app
        .call(
            &admin,
            "set_user_active",
            &[("id", &id), ("active", "false")],
        )
        .await;
    assert_eq!(off.status(), StatusCode::CONFLICT);
    let demote = app
        .call(
            &admin,
            "update_user",
            &[
                ("id", &id),
                ("name", "Still Admin"),
                ("role", "member"),
                ("segment_id", ""),
            ],
        )
        .await;
    assert_eq!(demote.status(), StatusCode::CONFLICT);
    let user = app::server::users::find(&app.db, admin_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(user.role, "admin");
    assert!(user.active);
}
on_both_backends!(last_admin, the_last_admin_cannot_be_demoted_or_deactivated);

async fn the_first_admin_can_be_created_once(app: &TestApp) {
    let client = app.client();
    let needs = app
        .call(&client, "needs_setup", &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(needs, "true");
    let form = [
        ("workspace_name", "Acme Sales"),
        ("name", "First Admin"),
        ("email", "first@example.test"),
        ("password", PASSWORD),
    ];
    let created = app.call(&client, "setup_first_admin", &form).await;
    assert_eq!(created.status(), StatusCode::OK);
    let me: serde_json::Value = app
        .call(&client, "current_user", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["role"], "admin");
    assert_eq!(me["workspace_name"], "Acme Sales");

    let again = [
        ("workspace_name", "Takeover"),
        ("name", "Second"),
        ("email", "second@example.test"),
        ("password", PASSWORD),
    ];
    let refused = app.call(&app.client(), "setup_first_admin", &again).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    assert_eq!(app.user_count().await, 1);
    let needs = app
        .call(&client, "needs_setup", &[])
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(needs, "false");
}
on_both_backends!(first_admin_setup, the_first_admin_can_be_created_once);

async fn changing_the_password_keeps_this_session_and_ends_the_others(app: &TestApp) {
    app.user("fay@example.test", "member").await;
    let here = app.client();
    let elsewhere = app.client();
    for client in [&here, &elsewhere] {
        let r = app
            .call(
                client,
                "login",
                &[("email", "fay@example.test"), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(r.status(), StatusCode::OK);
    }
    let wrong = app
        .call(
            &here,
            "change_password",
            &[
                ("current_password", "nope nope"),
                ("new_password", "a brand new one"),
                ("confirm_password", "a brand new one"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(wrong.text().await.unwrap().contains("current_password"));
    let ok = app
        .call(
            &here,
            "change_password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "a brand new one"),
                ("confirm_password", "a brand new one"),
            ],
        )
        .await;
    assert_eq!(ok.status(), StatusCode::OK);
    assert_eq!(
        app.call(&here, "list_tokens", &[]).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.call(&elsewhere, "list_tokens", &[]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let new_login = app
        .call(
            &app.client(),
            "login",
            &[
                ("email", "fay@example.test"),
                ("password", "a brand new one"),
            ],
        )
        .await;
    assert_eq!(new_login.status(), StatusCode::OK);
}
on_both_backends!(
    password_change,
    changing_the_password_keeps_this_session_and_ends_the_others
);
