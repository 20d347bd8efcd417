"""Patterns that tell page chrome from article text, kept as named data in one place.

Each group is used by the modules of ``crawler.clean``; simplified and traditional forms are both listed.
Line patterns are matched against one text block (a paragraph or a ``<br>``-separated
line) with whitespace removed, unless the name says otherwise.
"""

from __future__ import annotations

import re

from crawler.text import policy_vocabulary

# --- Elements removed before anything is measured -------------------------------------
# Never article text: scripts, styles, embedded objects, form controls, and the pinyin
# of <ruby> annotations (<rt>/<rp>), whose text would otherwise turn 區 into 區(qū).
# Helps 64 sites: <script> and <style> text on pages of every set; <rt>/<rp> on seeds 000 and
# 001 (the hdgk and dyrbw demo sites).
DROP_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "iframe",
        "object",
        "embed",
        "svg",
        "canvas",
        "select",
        "option",
        "button",
        "input",
        "textarea",
        "rt",
        "rp",
        "template",
        "link",
        "meta",
        "map",
        "area",
        "audio",
        "video",
        "source",
        "frameset",
        "frame",
    }
)

# Block-level tags: each starts a new text block when the page is linearised.
BLOCK_TAGS = frozenset(
    {
        "p",
        "div",
        "td",
        "th",
        "tr",
        "table",
        "tbody",
        "thead",
        "tfoot",
        "li",
        "ul",
        "ol",
        "dl",
        "dt",
        "dd",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "article",
        "section",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "blockquote",
        "pre",
        "form",
        "fieldset",
        "center",
        "address",
        "figure",
        "figcaption",
        "caption",
        "hr",
        "body",
        "html",
        "text",
        "legend",
        "details",
        "summary",
        "dir",
        "menu",
    }
)

HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})

# --- Class / id hints -------------------------------------------------------------------
# Chrome containers, matched against the class and id of an element (lower case). An
# element is removed only when it holds little text, so a wrongly named article
# container (class="content-share") survives. Helps express.co.uk, nypost.com,
# mysanantonio.com, therepublic.com, lhpat-tm.com (extraction-dev) and guancha.cn (news-zh-dev).
CHROME_CLASS_RE = re.compile(
    r"(?:^|[\s_\-])(?:"
    r"nav|navbar|navigation|menu|breadcrumbs?|crumbs?|location|position|weizhi|dqwz|"
    r"share|sharing|bdshare|jiathis|social|print|fontsize|font-?size|toolbar|tools|"
    r"related|relate|xgxw|recommend|tuijian|hot|hotnews|rank|paihang|"
    r"comments?|pinglun|reply|footer|foot|copyright|banquan|sidebar|side|aside|"
    r"ad|ads|advert|advertisement|guanggao|gg|banner|popup|modal|login|search|"
    r"qrcode|erweima|ewm|follow|subscribe|tags?|keywords?|pagination|pager|paging|"
    r"prev|next|statement|disclaimer|shengming|topbar|header-nav|skip"
    r")(?:$|[\s_\-\d])",
    re.IGNORECASE,
)

# CMS body containers (TRS, UCAP, Dreamweaver templates, common news CMSs): an element
# with one of these ids/classes is a strong candidate for the article body. Alone it changes
# one page, for the worse (news.sky.com, extraction-dev 046, F1 -0.002); kept because the
# chrome-swap metamorphic test fails without it.
BODY_CLASS_RE = re.compile(
    r"TRS_UEDITOR|TRS_Editor|UCAP-CONTENT|(?:^|[\s_\-])(?:article|content|contents|"
    r"artibody|article-?content|article-?body|post-?content|entry-?content|text|"
    r"zoom|con|cont|detail|main-?text|newstext|news_?txt|neirong|zw|zhengwen|body)"
    r"(?:$|[\s_\-\d])",
    re.IGNORECASE,
)

# A headline's class: seed 000 (hdgk demo site) and fgj.sh.gov.cn (policy-multi-dev 018).
TITLE_CLASS_RE = re.compile(r"title|headline|biaoti|bt|tit", re.IGNORECASE)

# --- Line patterns: chrome lines dropped wherever they appear ---------------------------
# A reprint's note of the headline it first ran under: （原标题：…） / 原標題：…: 163.com and
# news.sina.com.cn (news-zh-dev 001-003, 013).
ORIGINAL_TITLE_LINE_RE = re.compile(r"^[\[【（(]?\s*(?:原标题|原標題|原题|原題)\s*[:：]")

# An ad slot's label left alone on a line inside the article (latimes.com in extraction-dev
# 036 and 038, news.sky.com in 046; the 广告 label of in-article slots on Chinese portals).
AD_LABEL_LINE_RE = re.compile(r"^(?:A(?i:dvertisement)|S(?i:ponsored)|广告|廣告)$")

# Lines made only of bracketed short commands: 【打印】【关闭】 / 【 第1頁 第2頁 】:
# zh.wikipedia.org (extraction-dev 028) and extraction-dev 027.
BRACKET_COMMANDS_RE = re.compile(r"^(?:[【\[][^【】\[\]]{0,12}[】\]][\s|｜]*){1,}$")

# Headings that open a related / recommended / comment list: the rest is chrome. Helps
# cn.ent.yahoo.com (extraction-dev 002, 008) and tech.sina.com.cn (news-zh-dev 014); costs
# cn.biz.yahoo.com (extraction-dev 018) a little.
RELATED_HEADING_RE = re.compile(
    r"^[【\[（(]?\s*(?:相关新闻|相關新聞|相关阅读|相關閱讀|相关文章|相關文章|相关链接|相關鏈接|"
    r"相关报道|相關報道|相关推荐|相關推薦|相关专题|延伸阅读|延伸閱讀|推荐阅读|推薦閱讀|"
    r"为你推荐|為你推薦|猜你喜欢|猜你喜歡|热门推荐|熱門推薦|热点推荐|热门文章|熱門文章|"
    r"精彩推荐|精彩推薦|更多新闻|更多精彩|更多阅读|网友评论|網友評論|最新评论|发表评论|"
    r"評論|评论|热点新闻|热点排行|今日热点|图片新闻|往期回顾|Related|Recommended|"
    r"Read more|More from)\s*[】\]）)]?\s*[:：>»]*\s*$",
    re.IGNORECASE,
)

# Speed note for the patterns searched anywhere in a line: every alternative starts with
# a literal character, so the regex engine can skip to the positions where one of those
# characters occurs. A global IGNORECASE (or an alternative starting with a class) turns
# that off and makes a search several times slower, so case-insensitivity is scoped to the
# Latin words, after their literal first letter (C(?i:opyright) or c(?i:opyright); an I
# also matches the Turkish \u0130 and \u0131 when case is ignored).

# "Please follow our channel / account / section" prompts (更多新闻请关注本网官方微博,
# 相关资讯请关注:某某专区); matched on short lines only, where they are the whole line. Helps one
# site (ol.gamersky.com, news-zh-dev 007); kept because tests/test_extract.py guards it.
FOLLOW_PROMPT_RE = re.compile(
    r"[请請](?:继续|繼續|持续|持續)?[关關]注.{0,20}?(?:专区|專區|专题|專題|专栏|專欄|官方|账号|"
    r"帐号|帳號|微博|微信|频道|頻道|客户端|客戶端|网站|網站|本网|本網|本报|本報|本台)"
)

# A call for submissions that belongs to the site, not the article, dropped even when the
# paragraph is long: seed 001 (the dyrbw demo site's four articles; its only site).
SUBMISSION_STRONG_RE = re.compile(r"投稿邮箱|投稿郵箱|投稿信箱|欢迎.{0,80}投稿|歡迎.{0,80}投稿")

# Copyright, licence and registration lines (ICP, 公安备案, 版权所有). Alone it changes no page;
# kept because the class-renaming test needs it on hexun.com (news-zh-dev 009), whose footer
# nothing else marks once class names say nothing.
COPYRIGHT_LINE_RE = re.compile(
    r"(?:C(?i:opyright)|c(?i:opyright)|©|\((?i:c)\)\s*\d{4}|版权所有|版權所有|版权声明|版權聲明|"
    r"I(?i:CP)[备證证\d]|i(?i:CP)[备證证\d]|\u0130(?i:CP)[备證证\d]|\u0131(?i:CP)[备證证\d]|"
    r"京(?i:ICP)|公网安备|公網安備|公安备案|公安備案|网安备|增值电信|互联网新闻信息服务许可|"
    r"未经授权|未經授權|未经许可|不得转载|禁止转载|转载请注明|轉載請注明|免责声明|免責聲明|"
    r"A(?i:ll rights reserved)|a(?i:ll rights reserved))"
)

# An image file name a broken template leaks into a line of text, ".jpg)": seed 001 (the dyrbw
# demo site's four articles), which the seeds must handle; the only site that has one.
DANGLING_FRAGMENT_RE = re.compile(
    r"(?:^|\s)[\w\-/]*\.(?:jpe?g|png|gif|webp)\)(?=\s|$)", re.IGNORECASE
)

# Shape of injected SEO keyword titles: many separator-stacked parts, or a run of short
# space-separated keywords. One site has one (seed 000, the hdgk demo site); kept for the seed
# and issue 9, and guarded by the metamorphic test of injected titles.
# Shape alone is not enough: crawler.clean.title also requires the line to be unrelated to
# the article, so a headline is never dropped for its words.
SPAM_MIN_TITLE_PARTS = 4  # "a_b_c_d": a headline, a column and a site name make three
SPAM_MIN_KEYWORDS = 4  # space-separated words in a keyword run
SPAM_KEYWORD_MAX_CHARS = 4  # a keyword of a run is this short; most of the run's words are

# Lines that only restate metadata: date, source, author, views, run together. Helps 11
# sites: 163.com, cn.ent.yahoo.com, cn.biz.yahoo.com, chanye.finance.sina.com.cn, the cctv-,
# hebei.com-, lfnews- and WeChat-like unseen pages and more.
META_LABEL_RE = re.compile(
    r"(?:来源|來源|稿源|出处|出處|作者|记者|記者|发布时间|發布時間|发布日期|發布日期|时间|時間|"
    r"日期|浏览|瀏覽|点击|點擊|阅读|閱讀|字号|字號|编辑|編輯|责编|責編|发布|發布|發佈|"
    r"供稿|撰稿|摄影|攝影|通讯员|通訊員|信息来源|訊息來源|文章来源|文章來源)\s*[:：|｜丨]"
)

# The same labels separated from their value by a space instead of a colon ("来源 新京报",
# "作者 王五"): only the labels that never open a sentence with a space after them.
# Helps 163.com (news-zh-dev 003) and the ynet-like unseen page (006).
META_LABEL_SPACED_RE = re.compile(
    r"(?:文章来源|文章來源|信息来源|訊息來源|来源|來源|稿源|出处|出處|作者|责任编辑|責任編輯|责编|責編|"
    r"编辑|編輯)[ \t\u3000\xa0]+(?=[^\s:：])"
)
_SPACE_SEPARATOR = r"[ \t\u3000\xa0]+(?=[\u4e00-\u9fffA-Za-z])"

# Label forms for the metadata fields, in order of preference. OUTLET_LABEL_RE helps 27 sites
# (guancha.cn, news.ifeng.com, stcn.com, thepaper.cn, three demo sites, unseen pages);
# AUTHOR_LABEL_RE 13 (ol.gamersky.com, stcn.com, the dyrbw demo site, unseen pages).
OUTLET_LABEL_RE = re.compile(
    r"(?:文章来源|文章來源|信息来源|信息來源|新闻来源|新聞來源|稿件来源|来源|來源|稿源|出处|出處|"
    r"转载自|轉載自|发布单位|發布單位|发布机构|(?<![时時日期間间])发布(?![时時日期])|"
    r"(?<![时時日期間间])發布(?![时時日期])|發佈(?![时時日期]))\s*[:：丨]\s*"
    r"|(?:文章来源|文章來源|信息来源|信息來源|新闻来源|新聞來源|稿件来源|来源|來源|稿源|出处|出處)"
    + _SPACE_SEPARATOR
)
# What stands before a 来源 that names the source of a picture or of figures, not the
# outlet (图片来源：摄图网, 数据来源：…): wild 055 163.com, 078 cls.cn. Checked on a label's
# match rather than as lookbehinds, which slow the label's search at every character.
NOT_OUTLET_LABEL_BEFORE_RE = re.compile(r"(?:图片|圖片|数据|數據|资料|資料|[图圖])\s*$")
AUTHOR_LABEL_RE = re.compile(
    r"(?:作者|作\s+者|记者|記者|撰文|采写|採寫|撰稿|执笔|執筆)\s*[:：|｜/／丨]\s*"
    r"|(?:^|[\s|｜])(?:文|图|圖|图文|圖文|文字)\s*[/／|｜]\s*"
    r"|(?:^|[\s(（])(?:By|by|BY)\s+(?=[A-Z\u4e00-\u9fff])"
    r"|(?:作者|撰文|撰稿|执笔|執筆)" + _SPACE_SEPARATOR
)
# What every match of OUTLET_LABEL_RE (of AUTHOR_LABEL_RE) holds. A line without it is passed
# over untried: the labels' lookbehinds and line starts leave re no first character to scan
# for, so the label patterns are tried at every position of every line; these alternatives
# all open with a plain character, which re scans for.
OUTLET_LABEL_HINT_RE = re.compile(r"来源|來源|稿源|出处|出處|转载自|轉載自|发布|發布|發佈")
AUTHOR_LABEL_HINT_RE = re.compile(r"作者|作\s|记者|記者|撰|采写|採寫|执笔|執筆|/|／|\||｜|By|by|BY")
# A reporter named without a colon: "记者 陆一夫", "南都见习记者 林子沛" (space required,
# so "记者表示" is not read as a name). Helps toutiao.com (news-zh-dev 017) and the
# hebnews-like unseen page (008).
REPORTER_SPACED_RE = re.compile(
    r"(?:记者|記者|通讯员|通訊員)[\s\u3000]+([\u4e00-\u9fff]{2,4}(?:[\s、,，][\u4e00-\u9fff]{2,4}){0,4})"
    r"(?=$|[\s)）。，,;；]|编辑|編輯|校对|校對|摄影|攝影|实习生|通讯员)"
)
# A help line closing a story: a short label, a colon and a phone number, "生命線：1995",
# "自殺防治諮詢安心專線：0800-788995；" (ettoday.net, chinatimes.com append such a block to
# stories of suicide); a run of two or more at the end of a body is a notice, not the story.
# Helps one page (unseen-news 033, chinatimes-like) and costs ccer.pku.edu.cn (extraction-dev
# 013) a little; kept because the class-renaming test of the unseen pages fails without it.
CONTACT_LINE_RE = re.compile(
    r"^[\u4e00-\u9fff《》A-Za-z]{2,14}[:：]\s*\d[\d\-－ ]{2,14}(?:[（(][^）)]{1,8}[）)])?[；;。]?$"
)
# A desk's credit alone on a line, no person named: "社會中心／綜合報導" (setn.com), "生活中心／
# 綜合報導" (ettoday.net), "国际新闻部/编译报道"; a person's byline is BYLINE_LINE_RE's. Helps
# one page (unseen-news 034, setn-like); kept because the unseen class-renaming test needs it.
DESK_CREDIT_LINE_RE = re.compile(
    r"^[\[〔【（(]?[\u4e00-\u9fff]{2,8}[/／|｜丨](?:綜合|综合|編譯|编译|整理)?(?:報導|报道|報道)"
    r"[\]〕】）)]?$"
)
# A line that is nothing but a byline: an outlet's name glued before the role, the names, the
# place of the report ("本报记者 蒋欣", "21世纪经济报道记者 彭强 北京报道", "記者林育綾／台北報導").
# Helps 163.com and qq.com (news-zh-dev 003, 012), extraction-dev 027, and the 21jingji-,
# ettoday-, udn- and ynet-like pages of tests/fixtures/unseen_news. Matched on the compact
# line; group 1 holds the names and what follows them.
BYLINE_LINE_RE = re.compile(
    r"^(?:[\u4e00-\u9fff\dA-Za-z]{1,12}[/／|｜])?[\u4e00-\u9fff\dA-Za-z]{0,12}?"
    r"(?:记者|記者)[|｜:：/／丨]?([\u4e00-\u9fff·、/／|｜]{2,30})$"
)
# The place and kind of report closing a byline: 北京报道, ／台北即時報導, 報導 (the 21jingji-,
# ettoday- and udn-like unseen pages).
BYLINE_PLACE_RE = re.compile(r"[/／|｜]?[\u4e00-\u9fff]{0,6}?(?:即時|即时)?(?:报道|報導|報道)$")
# A reporter in a dateline: "（中央社記者趙麗妍台中1日電）", "〔記者王榮祥／高雄報導〕" (cna-like
# and ltn-like pages of tests/fixtures/unseen_news): the name, then a place and a day or 報導.
DATELINE_REPORTER_RE = re.compile(
    r"[(（〔\[【][^()（）〔〕]{0,8}?(?:记者|記者)\s*([\u4e00-\u9fff]{2,3})\s*(?:[/／]\s*)?"
    r"[\u4e00-\u9fff]{2,3}(?:\d{1,2}日[电電]|(?:即時|即时)?(?:报道|報導))[)）〕\]】]"
)
# Video player controls left as text: "00:00 / 02:15 全屏" (cctv-like and enorth-like player
# boxes of tests/fixtures/unseen_news; news-zh-dev's README drops video-player UI). Helps one
# page (unseen-news 003, cctv-like); kept because the chrome-swap and the unseen
# class-renaming tests fail without it.
PLAYER_LINE_RE = re.compile(r"\d{1,2}:\d{2}\s*/\s*\d{1,2}:\d{2}")

# Credit roles standing between the names of one byline: "（记者 李明 通讯员 赵刚）",
# "本报记者 张华 实习生 王五": skipped, not names. Helps one page (unseen-news 008,
# hebnews-like); kept because the byline-position metamorphic test sets such bylines into
# 163.com, guancha.cn and stcn.com pages and fails without it.
CREDIT_ROLE_RE = re.compile(
    r"^(?:本报|本報|本台|本网|本網|特约|特約|见习|見習|实习|實習)?"
    r"(?:记者|記者|通讯员|通訊員|实习生|實習生)$"
)
# Common Chinese surnames (simplified and traditional). In a byline, a word after the first
# name is another name only when it starts with one ("段彦超 廖艳"); otherwise it is a
# trailing word of the credit ("陈智、整合", "姚峰 上海报道" on biz.163.com, extraction-dev
# 005; "作者：X、整合" set into 163.com and thepaper.cn pages by the metamorphic tests).
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关"
    "兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻"
    "祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿"
    "桂全佟应臧闵苟邬边卞姬师仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝官封谈匡鞠惠"
    "荆乐冀郁胥南班储栗燕楚鄢劳谌奚皮粟冼蔺楼盘满闻位厉伊仝区郜海阚花权强帅屠豆朴盖练廉禹井"
    "祖漆巴丰支卿国狄平计索宣晋相初门云容敬来扈晁芮都普阙浦戈伏鹿薄邸雍辜羊乌母裘亓修邰赫杭"
    "况那宿鲜印逯隆茹诸战慕危玉银亢嵇公湛宾戎勾茅利於呼居揭干但尉冶斯元束檀衣信展阴昝智幸奉"
    "植衡富尧由逄"
    "劉陳楊黃趙吳孫馬鄭謝許韓馮鄧蕭葉蘇呂盧薑鍾譚陸範賈韋鄒閆龍陶賀顧龔萬錢嚴湯溫齊喬龐顏莊"
    "聶魯嶽歐關蘭紀淩畢單塗駱藍鮑饒農車項連蘆婁竇黨宮費衛師欒榮鞏遲鄺鄔邊臧閔譚"
)
COMPOUND_SURNAMES = frozenset(
    {
        "欧阳",
        "歐陽",
        "司马",
        "司馬",
        "上官",
        "诸葛",
        "諸葛",
        "东方",
        "東方",
        "皇甫",
        "尉迟",
        "公孙",
        "慕容",
        "令狐",
        "夏侯",
        "长孙",
        "長孫",
        "宇文",
        "司徒",
        "端木",
        "申屠",
        "澹台",
    }
)
# An outlet named without a label next to the date line: "2019-09-26 10:56:28 证券时报网".
# Helps hexun.com, toutiao.com (news-zh-dev 009, 017) and the caixin-, qq2009- and
# singtao-like unseen pages.
OUTLET_NAME_RE = re.compile(
    r"^[\u4e00-\u9fffA-Za-z0-9]{1,14}(?:网|網|报|報|社|台|刊|新闻|新聞|周刊|週刊|杂志|雜誌|在线|"
    r"客户端|时报|時報|日报|日報|晚报|晚報|频道|頻道|报道|報道)$"
)
# 责任编辑 and its forms: helps 23 sites (163.com, guancha.cn, hexun.com, news.sina.com.cn,
# three demo sites, unseen pages).
EDITOR_LABEL_RE = re.compile(
    r"(?:责任编辑|責任編輯|责编|責編)(?:\s*[:：|｜/／丨]\s*|" + _SPACE_SEPARATOR + ")"
)
# A plain 编辑 takes a colon: "编辑 刘晓阳 校对 李铭" is the story's own credit line, and the
# page's 责任编辑 is the editor (bjnews.com.cn on 163.com). Helps 12 sites (thepaper.cn,
# news-zh-dev 020, the cctv-, cna-, jiemian-, WeChat-like unseen pages…).
EDITOR_PLAIN_LABEL_RE = re.compile(r"(?<![任责責实習习])(?:编辑|編輯|小编)\s*[:：|｜/／丨]\s*")
# What every match of the plain label holds, for re to scan for (see OUTLET_LABEL_HINT_RE).
EDITOR_PLAIN_LABEL_HINT_RE = re.compile(r"编辑|編輯|小编")
# A keywords line: seed 002 (the hebnews demo site, "关键词:京津冀协同发展,产业"), the only site
# with one; kept for the seed.
KEYWORDS_LABEL_RE = re.compile(
    r"(?:关键词|關鍵詞|关键字|關鍵字|标签|標籤|Tags?)\s*[:：]\s*", re.IGNORECASE
)
# What every match of it holds, as plain first characters re scans for (no letter of "tag"
# has another case than its ASCII pair).
KEYWORDS_LABEL_HINT_RE = re.compile(r"关键|關鍵|标签|標籤|T[Aa][Gg]|t[Aa][Gg]")

# Labels that end a metadata value running into the next one
# ("来源: 河北日报 2024-02-24", "关键词:京津冀协同发展,产业责任编辑:张晓鹏"): seed 000 (the hdgk
# demo site) and stcn.com (news-zh-dev 015).
NEXT_LABEL_RE = re.compile(
    r"(?:责任编辑|責任編輯|责编|責編|编辑|編輯|作者|记者|記者|来源|來源|发布时间|發布時間|"
    r"发布日期|發布日期|时间|時間|日期|浏览|瀏覽|点击|點擊|阅读|閱讀|字号|字號|"
    r"关键词|關鍵詞|标签|標籤|分享|打印|收藏|评论|評論|热度|次数|人气|人氣|"
    r"通讯员|通訊員|摄影|攝影|校对|校對|审核|審核|更新时间|更新時間)\s*[:：]?"
    # 发布 takes its colon: "北京发布", "天津发布" are accounts' names (wechat-like pages).
    r"|(?:发布|發布|發佈)\s*[:：]"
    r"|\d{4}\s*[-/.年]\s*\d{1,2}|[|｜]"
)

# Reporter credits inside the body: "(河北日报记者 贡宪云)", "（记者 依琰）",
# "本报记者 张三 李四", dateline "新华社北京2月24日电（记者 王五）": the people-, xinhua- and
# ce-like unseen pages.
REPORTER_PAREN_RE = re.compile(
    r"[(（]\s*(?:[^()（）\s]{0,12}?)(?:记者|記者|通讯员|通訊員|作者)\s*[:：]?\s*"
    r"([^()（）]{2,40}?)\s*[)）]"
)

# Staff codes glued to editor names: 杨倩_NF5619 → 杨倩. One site (163.com, news-zh-dev 001-003);
# kept because the news-zh-dev editor floor fails without it.
STAFF_CODE_SUFFIX_RE = re.compile(r"[_＿\-]\s*[A-Za-z]{1,4}\d{2,}$")

# Separators between the headline and the site name in <title>.
TITLE_SEPARATOR_RE = re.compile(r"\s*(?:_|\||｜|–|—|-{1,2}|::|·|»)\s*")

# Punctuation that marks running prose (Chinese and Western).
SENTENCE_PUNCT_RE = re.compile(r"[，。！？；、：,.!?;]")
CHINESE_RE = re.compile(r"[\u4e00-\u9fff]")
WHITESPACE_RE = re.compile(r"[\s\u3000\xa0]+")

# --- Comment threads and lists of other posts ------------------------------------------
# A short line that stamps an entry with its time: "3小时前", "刚刚", "发表于 2005-03-21
# 11:21", "09-09 12:30", "张三 2019-09-09 19:32". Entries of comment threads (guancha.cn,
# sina, ifeng), forum replies (bbs.zol.com.cn, bbs.cctv.com) and blog post lists each carry
# one; crawler.clean.threads cuts the body where such entries start to repeat. No page of the
# sets changes with the cut off (their threads go by class name or container first); kept for
# issue 9's "the post, not the comment thread", which the class-renaming test checks.
TIMESTAMP_LINE_RE = re.compile(
    r"(?:\d+\s*(?:秒|分钟|分鐘|小时|小時|天|周|週|个月|個月)前|刚刚|剛剛|"
    r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|(?<!\d)\d{1,2}-\d{1,2}\s+\d{1,2}:\d{2}|"
    r"(?:昨天|今天|前天)\s*\d{1,2}:\d{2})"
)
# Every stamp above holds a digit or 刚/剛: a line without one needs no try of the pattern
# (which has no first character to scan for and so tries every position).
TIMESTAMP_CHARS_RE = re.compile(r"[\d刚剛]")
TIMESTAMP_LINE_MAX_CHARS = 40  # an entry's stamp line: a name, a time, a floor number


# === Policy documents: pages without a header table, signatures, titles ==================
# Read by crawler.clean.policy_document (and the header reader in crawler.clean.policy_header).
# Official documents follow one national format (GB/T 9704: 发文字号, 标题 = 机关 + 关于 + 事由
# + 文种, 落款 = 机关 + 成文日期), so these shapes hold on every government site.

# A document number (crawler.text.policy_vocabulary): 东府办〔2017〕39号, 公告2025年第17号.
DOC_NUMBER_RE = policy_vocabulary.DOC_NUMBER_RE
# A line that is nothing but a document number, possibly bracketed (www.dg.gov.cn, chinatax).
DOC_NUMBER_LINE_RE = re.compile(r"^[(（]?(%s)[)）]?$" % DOC_NUMBER_RE.pattern)
# Values that say "none" in a header cell: 文号：无 (issue 9's unseen sites; no dev page shows
# one, the metamorphic tests do).
NONE_VALUE_RE = re.compile(r"^(?:无|無|暂无|暫無|空|/|-+|—+|null|none)$", re.IGNORECASE)

# The number of an order or notice, under its issuer's name: 安徽省人民政府令第318号,
# 天津海关公告2024年第3号 (the issuer of 令 pages signed by a person; unseen-policy 024, 029).
ISSUER_NUMBER_RE = re.compile(
    r"^([\u4e00-\u9fff]{2,30}?)(?:令|公告|通告)(?:(?:19|20)\d{2}年)?第\d{1,5}号$"
)
# The kinds of official document (文种) a document title ends with (crawler.text.policy_vocabulary).
DOCUMENT_KIND_RE = policy_vocabulary.DOCUMENT_KIND_RE
# A document number glued in brackets after a heading: "…的通知（沪教委规〔2021〕2号）"
# (edu.sh.gov.cn, www.baoding.gov.cn print it into the heading element).
TITLE_NUMBER_SUFFIX_RE = re.compile(r"\s*[(（]\s*(%s)\s*[)）]\s*$" % DOC_NUMBER_RE.pattern)
# The verb of a forwarding title, 机关 + 转发/批转 + the forwarded document (GB/T 9704): the
# issuer is the body before it (www.hebei.gov.cn 国务院办公厅转发…, www.xiongan.gov.cn).
TITLE_FORWARDING_RE = re.compile(r"转发|批转|轉發")
# The verbs of a title without 关于, 机关 + 印发 / 转发 + the document: "安化县人民政府办公室印发
# 《…》的通知" (www.anhua.gov.cn's heading, policy-multi-dev 008; 国务院办公厅转发… on gov.cn).
TITLE_ISSUING_RE = re.compile(r"印发|印發|转发|批转|轉發")
# A labelled line of a header table printed inside the text container: a short label, a
# colon, a value (www.lf.gov.cn 统一编号：…, www.baoding.gov.cn 索引号：…信息分类：…).
HEADER_LINE_RE = re.compile(r"^[\u4e00-\u9fff][\u4e00-\u9fff\s\u3000\xa0]{1,9}[:：]\s*\S")
# Column tags glued before a heading, which policy-multi-dev's README leaves out of the title:
# 【贷款】 (gjj.wuhan.gov.cn; the one dev site with a tag, kept for the README's rule).
TITLE_TAG_PREFIX_RE = re.compile(r"^(?:[【\[［][^【】\[\]［］]{1,10}[】\]］]\s*)+")
# A publication date glued after a heading: "… 的通知 ( 2025年08月25日 )" (fgj.sh.gov.cn
# prints the date into its heading element; the one dev site that does).
TITLE_DATE_SUFFIX_RE = re.compile(
    r"\s*[(（\[【]\s*(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}\s*日?\s*[)）\]】]\s*$"
)
# The separators of a <title> between document title, column and site names: "标题_站名",
# "站名 - 栏目 - 标题" (hyphens spaced: a title's own hyphen, 京津冀-雄安, has no spaces);
# unseen-policy 026 (常州) and 031 (太原).
PAGE_TITLE_SEPARATOR_RE = re.compile(r"\s*(?:_|\||｜)\s*|\s+(?:-{1,2}|–|—{1,2})\s+")
# Genre of pages about a policy, not the policy itself: 政策解读, 答记者问, 图解 (issue 9:
# never take policy fields from their text; the metamorphic tests rename dev titles so).
INTERPRETATION_TITLE_RE = re.compile(
    r"解读|解讀|答记者问|答記者問|问答|問答|图解|圖解|一图读懂|一圖讀懂|新闻发布会|新聞發佈會"
)

# The signature (落款) closing a document: issuing bodies, one per line or spaced, then the
# date (www.dg.gov.cn, fcj.shenyang.gov.cn, gjj.wuhan.gov.cn, chinatax).
ORGANIZATION_RE = re.compile(
    r"^[\u4e00-\u9fff（）()]{2,40}?(?:局|委|厅|廳|办公室|辦公室|办|辦|政府|中心|部|院|会|會|署|"
    r"委员会|委員會|总局|總局|行|所|处|處|室|组|組|馆|館|站|队|隊|团|團|社|司|府|监狱|"
    # 海关: the customs offices of every port city (unseen-policy 032, 天津海关-like).
    r"海关|海關|"
    r"分局|支局|学校|大学|集团|公司|银行|银保监局|税务局|管委会|管理局|领导小组|联席会议)$"
)
# What separates joint issuers (联合发文) listed in one value: spaces in a title or signature
# line (财政部 税务总局, chinatax; www.ndrc.gov.cn-like unseen-policy 020), 、 in a 发文机关
# field (www.gov.cn, policy-dev 007), ，/; and line breaks in a header cell.
ISSUER_SEPARATOR_RE = re.compile(r"[\s\u3000\xa0、，,；;]+")
# A place level ending a place name: the prefix an abbreviated issuer keeps (市住建局 for
# 慈溪市住房和城乡建设局, www.cixi.gov.cn; 省住房公积金管理局, gjj.hainan.gov.cn).
PLACE_LEVEL_CHARS = "省市县区州盟旗縣區"
# 2023年9月3日 alone on the signature's last line (dg.gov.cn, gjj.wuhan.gov.cn, chinatax), or
# in Chinese numerals, 二〇二四年五月八日 (www.xiongan.gov.cn; the national format's form for
# 成文日期 until 2012, so older documents of every site).
_SIGNATURE_DATE = (
    r"(?:(?:19|20|１９|２０)\d{2}年\d{1,2}月\d{1,2}日"
    r"|[〇○零OＯ0０一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日)"
)
# Full-width digits (２０２４年３月５日) and a zero typed as the letter O or the digit 0
# (二Ｏ二四年, 二0二四年) are the same date as typed in word processors: unseen-policy 027
# (合肥-like) and 030 (无锡-like); metamorphic tests on dg.gov.cn and gjj.wuhan.gov.cn pages.
SIGNATURE_DATE_RE = re.compile(r"^%s$" % _SIGNATURE_DATE)
# The signature on one line, issuing bodies then the date: "某市财政局　某市交通运输局
# 2024年3月5日" (right-aligned signatures joined into one paragraph: unseen-policy 028,
# 南京-like; metamorphic tests on dg.gov.cn and gjj.wuhan.gov.cn signatures).
SIGNATURE_WITH_DATE_RE = re.compile(
    r"^(?P<issuers>[\u4e00-\u9fff（）()][\u4e00-\u9fff（）()\s]{1,120}?)\s*"
    r"(?P<date>(?:19|20)\d{2}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日"
    r"|[〇○零O0一二三四五六七八九]{4}年[一二三四五六七八九十]{1,3}月[一二三四五六七八九十]{1,3}日)$"
)
# The signer of an order (令): the post then the name, "部长　李小鹏", "省长　王某" (GB/T 9704
# signs 命令 so; unseen-policy 024, a mot.gov.cn-like 部令, and 029, an ah.gov.cn-like 政府令).
SIGNER_RE = re.compile(
    r"^[\u4e00-\u9fff]{0,10}?(?:部长|局长|署长|主任|省长|市长|县长|区长|州长|盟长|旗长|主席|"
    r"总理|總理|行长|行長|院长|院長|厅长|廳長|部長|局長|署長|省長|市長|縣長)"
    r"\s*[\u4e00-\u9fff]{2,4}$"
)
# A note closing the document after its signature, still part of it: （此件公开发布）
# (fcj.shenyang.gov.cn, and 7 of policy-dev's gov.cn documents), （此件主动公开）.
CLOSING_NOTE_RE = re.compile(
    r"^[(（]?(?:此件|本件)[^()（）]{0,10}(?:公开|公開|发布|發布)[^()（）]{0,6}[)）]?$"
)
# The printed head (版头) of a document above its salutation: its registration number
# (统一登记号 AHDR-2022-01008 on www.anhua.gov.cn, CSCR-2018-01025 on www.changsha.gov.cn),
# then its number and the issuing body's name, each on a line or together on one.
REGISTRATION_NUMBER_RE = re.compile(r"^[A-Z]{2,8}-(?:19|20)\d{2}-\d{3,6}$")
# The record (版记) closing a printed document after its signature, not its text: 抄送：… and
# "机关 2024年3月8日印发" (GB/T 9704; www.tj.gov.cn, www.lf.gov.cn print it on the page).
RECORD_LINE_RE = re.compile(
    r"^(?:抄送|抄报|抄報|分送)[:：]|(?:19|20)\d{2}年\d{1,2}月\d{1,2}日(?:印发|印發)$"
)
# A line ending a sentence: prose, not a heading, signature or link label (all policy sites).
PROSE_END_RE = re.compile(r"[。；;！？]")
# A breadcrumb's separators: "首页 > 政务公开 > 通知公告" is no title (the breadcrumbs of
# dg.gov.cn and chinatax stand in the head searched for a title).
PATH_SEPARATOR_RE = re.compile(r"[>＞›»]")

# --- Page types ----------------------------------------------------------------------------
# What an error page says in its heading or its few lines: not found, server errors, captcha
# and login walls, access refused (wild pages of 12371.cn, cls.cn, foshan.gov.cn; the
# error pages of the three site slices).
ERROR_PAGE_RE = re.compile(
    r"(?:^|[^\d])(?:403|404|500|502|503)(?:[^\d]|$)|页面不存在|頁面不存在|页面未找到|找不到.{0,8}页面|"
    r"页面.{0,6}(?:已删除|已刪除|不存在|无法访问|出错|丢失)|访问的页面|无法找到|Not Found|"
    r"Page not found|Forbidden|Access Denied|Bad Gateway|Service Unavailable|"
    r"验证码(?![:：])|驗證碼(?![:：])|人机验证|安全验证|滑动验证|captcha|请(?:先)?登录|請登入|登录后(?:查看|访问|阅读)|"
    r"访问受限|訪問受限|访问过于频繁|系统繁忙|系統繁忙|服务器错误|服務器錯誤|^出错了|^提示信息$|"
    r"拼图验证|完成验证",
    re.IGNORECASE,
)
# The heading of a notice (公示, 名单, 征求意见…): short texts, often a table of names or
# scores, that are articles all the same (the site slices' 第一批 / 第二批 lists).
# The kind is the heading's last word (…的公示, …名单), as 文种 ends a document's title: a
# news headline naming a 白名单 in its middle is news.
NOTICE_TITLE_RE = re.compile(
    r"(?:公示|公告|通告|公布|名单|名單|名录|征求意见|徵求意見|意见征集|启事|啟事|结果|成绩|"
    r"公示表|一览表|汇总表|情况表)(?:[(（][^()（）]{1,30}[)）])?$"
    # A call for comments is a notice whatever its last word (…征求《…》意见建议的通知).
    r"|征求《|徵求《"
)
# A document's heading: "[issuer]关于 … [的] 文种" (…关于印发《…》的通知): a policy even when the
# page shows no header table (wild 016 fcj.xining.gov.cn, 048 gjj.binzhou.gov.cn).
POLICY_TITLE_RE = re.compile(
    r"^[^，。！？,!?]{0,40}关于[^，。！？!?]{2,}" + DOCUMENT_KIND_RE.pattern
)
# A heading that names a column or a kind of document, not one document: an issuer and a
# 文种 alone (中华人民共和国主席令, 国务院令), or a column's words (通知公告, 政策法规, 工作动态).
GENERIC_HEADING_RE = re.compile(
    r"(?:[\u4e00-\u9fff]{0,10}(?:主席令|政府令|部令|令|公报|文件))"
    r"|(?:通知公告|通知|公告|公示|政策法规|政策文件|法规文件|规范性文件|政策解读|工作动态|新闻动态|"
    r"信息公开|政务公开|通知通告|公示公告|最新动态|要闻|图片新闻|首页|正文)"
)
