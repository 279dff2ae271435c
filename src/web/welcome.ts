/**
 * The root page of a development server (the local WeChat sandbox, no WeChat credentials): what
 * this is and the three ways in — the sandbox phone (be a planner or a traveler), the ops console
 * (and how to get an account), the demo data. In production the root goes to WeChat's sign-in.
 */
const LINK = 'display:block;padding:12px 14px;margin:8px 0;border:1px solid #ddd;border-radius:8px;color:#111;text-decoration:none';

export const WELCOME_PAGE = `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>定制游抢单 · 本地开发</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"></head>
<body style="font-family:system-ui,-apple-system,'PingFang SC','Microsoft YaHei',sans-serif;max-width:38em;margin:2.5em auto;padding:0 1em;line-height:1.6;color:#222">
<h1 style="font-size:1.4em">定制游抢单 · 本地开发</h1>
<p>这是一个微信公众号的定制游抢单系统：旅行者提交定制需求，各供应商的定制师按等级分批抢单（每单最多 3 人、每个供应商最多 1 人），提交方案，旅行者选定并用微信支付付定金。</p>
<p>这台服务器没有配置微信公众号，所以用<b>本地沙箱</b>代替微信：沙箱手机上能看到每位用户收到的模板消息，也能像在公众号里一样回复“抢 编号”。</p>
<h2 style="font-size:1.1em">从这里开始</h2>
<ol style="padding-left:1.2em">
<li>先准备演示数据：在项目目录运行 <code>npm run seed</code>（供应商、各等级定制师、几位旅行者和需求，可重复运行）。</li>
<li>打开沙箱手机，选一位定制师，点消息里的“详情”去抢单；或选一位旅行者，提交需求、看方案、付定金：
<a style="${LINK}" href="/sandbox/phone"><b>沙箱手机</b><br><small>扮演定制师或旅行者</small></a></li>
<li>运营后台需要账号：运行 <code>npm run ops-user -- --email you@example.com --role admin</code>，用它打印的一次性密码登录：
<a style="${LINK}" href="/ops"><b>运营后台</b><br><small>需求、定制师、派单、分级、群发、退款</small></a></li>
<li>以旅行者身份直接提交需求：<a href="/h5/trip">/h5/trip</a>（会先经过沙箱的“微信授权”，选一位用户或输入新的 openid）。</li>
</ol>
<p style="color:#666;font-size:.9em">说明文档在项目的 README.md 和 docs/ 目录。配置了 WECHAT_APPID 的正式部署不显示这一页。</p>
</body></html>`;
