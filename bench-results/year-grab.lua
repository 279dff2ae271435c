wrk.method = "POST"
wrk.body = '{"requirementId":1,"channel":"h5"}'
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Cookie"] = "sid=eyJyb2xlIjoicGxhbm5lciIsImlkIjo0LCJpYXQiOjE3OTY2ODEzOTkyMzcsImV4cCI6MTc5NzI4NjE5OX0.hC79Pu1e6j9M2Rq5OTeyAc-PAAj_DxElnUlF9_2ByPc"
