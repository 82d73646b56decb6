-- Casework: legal routes and their clocks, the platform registry, notices as sent, internal notes,
-- blind indexes for matching, incidents. Sensitive text is encrypted (body/label columns).
CREATE TABLE routes (
    id TEXT PRIMARY KEY,
    clock_hours INTEGER NOT NULL CHECK (clock_hours >= 0 AND clock_hours <= 8760),
    elements TEXT NOT NULL              -- the elements a notice on this route must contain
) STRICT;
INSERT INTO routes (id, clock_hours, elements) VALUES
    ('cn_complaint', 72, 'url,reason,identity,evidence'),
    ('us_take_it_down', 48, 'url,signature,good_faith,contact'),
    ('eu_dsa', 72, 'url,reason,name,email,good_faith'),
    ('au_esafety', 24, 'url,reason'),
    ('offline_visit', 24, 'holder,place,two_staff');

CREATE TABLE platforms (
    id TEXT PRIMARY KEY,
    route TEXT NOT NULL REFERENCES routes(id),
    clock_hours INTEGER CHECK (clock_hours IS NULL OR (clock_hours >= 0 AND clock_hours <= 8760)),
    channel TEXT NOT NULL DEFAULT ''    -- how to reach its complaint or green channel (public)
) STRICT;
INSERT INTO platforms (id, route, channel) VALUES
    ('douyin', 'cn_complaint', '抖音 App:我 → 设置 → 反馈与帮助 → 侵权投诉;抖音侵权举报中心(网页)'),
    ('kuaishou', 'cn_complaint', '快手 App:设置 → 帮助与客服 → 侵权投诉;快手侵权投诉平台(网页)'),
    ('weibo', 'cn_complaint', '微博:不实信息/侵权投诉入口(微博举报中心 service.account.weibo.com)'),
    ('wechat', 'cn_complaint', '微信公众号文章:文章右上角 → 投诉 → 侵权投诉'),
    ('wechat_channels', 'cn_complaint', '微信视频号:视频右上角 → 投诉 → 侵犯个人权益'),
    ('bilibili', 'cn_complaint', '哔哩哔哩:稿件页 → 举报 → 侵权申诉;侵权申诉页面(网页)'),
    ('xiaohongshu', 'cn_complaint', '小红书 App:笔记 → 分享 → 举报 → 侵犯权益'),
    ('zhihu', 'cn_complaint', '知乎:内容右下 → 举报 → 侵犯个人权益;知乎侵权投诉(网页)'),
    ('baidu', 'cn_complaint', '百度:百度侵权投诉平台(网页)'),
    ('toutiao', 'cn_complaint', '今日头条 App:内容 → 举报 → 侵权投诉'),
    ('xigua', 'cn_complaint', '西瓜视频 App:视频 → 举报 → 侵权投诉'),
    ('youtube', 'us_take_it_down', 'YouTube privacy complaint form (support.google.com)'),
    ('tiktok', 'us_take_it_down', 'TikTok: report a privacy violation (tiktok.com/legal)'),
    ('x', 'us_take_it_down', 'X: report intimate media / private information (help.x.com)'),
    ('facebook', 'us_take_it_down', 'Meta: report non-consensual intimate imagery (facebook.com/help)'),
    ('instagram', 'us_take_it_down', 'Meta: report non-consensual intimate imagery (help.instagram.com)'),
    ('telegram', 'eu_dsa', 'Telegram: abuse@telegram.org; in-app report'),
    ('other', 'cn_complaint', '该网站的投诉或举报入口;必要时向网信部门举报(12377.cn)'),
    ('offline', 'offline_visit', '两名工作人员上门');

ALTER TABLE targets ADD COLUMN decision_at INTEGER;

CREATE TABLE notices (
    id INTEGER PRIMARY KEY,
    target_id INTEGER NOT NULL REFERENCES targets(id) ON DELETE CASCADE,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    route TEXT NOT NULL,
    language TEXT NOT NULL,
    sent_at INTEGER NOT NULL,
    sent_by INTEGER REFERENCES staff(id) ON DELETE SET NULL,
    body BLOB NOT NULL                  -- encrypted: the notice as sent, channel, ticket id
) STRICT;
CREATE INDEX notices_target ON notices(target_id, id);

CREATE TABLE notes (
    id INTEGER PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    staff_id INTEGER REFERENCES staff(id) ON DELETE SET NULL,
    created_at INTEGER NOT NULL,
    body BLOB NOT NULL                  -- encrypted; never shown to the victim
) STRICT;
CREATE INDEX notes_case ON notes(case_id, id);

-- Keyed BLAKE2b of canonical links, fingerprints and contacts, written when staff open a case,
-- so the same link or file reported in two cases can be matched without decrypting either.
CREATE TABLE blind_index (
    domain TEXT NOT NULL,
    value BLOB NOT NULL,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    target_id INTEGER REFERENCES targets(id) ON DELETE CASCADE,
    PRIMARY KEY (domain, value, case_id, target_id)
) STRICT, WITHOUT ROWID;
CREATE INDEX blind_index_case ON blind_index(case_id);

CREATE TABLE incidents (
    id INTEGER PRIMARY KEY,
    created_at INTEGER NOT NULL,
    label BLOB NOT NULL                 -- encrypted under the org data key
) STRICT;
ALTER TABLE cases ADD COLUMN incident_id INTEGER REFERENCES incidents(id) ON DELETE SET NULL;
CREATE INDEX cases_incident ON cases(incident_id);
CREATE INDEX cases_assignee ON cases(assignee);
