{"customer_id":"c1","email":"ann.tester@example.com","phone":"+48601234567","name":"Ann Tester","ts":"2025-01-05","revenue":10.5,"age":31}
{"customer_id":"c2","email":"bob.sample@example.org","phone":"+48601234568","name":"Bob Sample","ts":"2025-02-11","revenue":20,"age":45}
{"customer_id":"c1","email":"ann.tester@example.com","phone":"+48601234567","name":"Ann Tester","ts":"2025-03-01","revenue":7,"age":31}
