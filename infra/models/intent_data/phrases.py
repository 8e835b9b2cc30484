"""Hand-written caller phrasings per intent, as Mandarin | English translation pairs.

Each line is one *template*: ``zh | en`` where either side may be ``-`` (no counterpart, e.g.
carrier announcements that only exist in one language). Placeholders ``{amt}``, ``{date}``,
``{name}`` and ``{org}`` are filled from the parallel slot tables below, so a Mandarin row and
its English translation stay parallel (used to distil cross-lingual sentence embeddings).
The held-out split takes whole templates, never rows (see generate.py).
"""

from __future__ import annotations

PHRASES: dict[str, str] = {
    "affirm": """
是的 | yes
对 | yeah that's right
对对对，是我 | yes yes, that's me
嗯，是我 | mm-hmm, it's me
好的 | okay
可以 | sure, that works
没问题 | no problem
行 | alright
好的好的，知道了 | okay okay, got it
是本人 | speaking
我就是 | that's me
对的，你说 | right, go ahead
嗯嗯 | uh-huh
好啊 | sounds good
可以的，没问题 | yes, that's fine with me
是我，你说吧 | yes this is me, go ahead
当然 | of course
没错 | correct
我同意 | I agree
嗯，你说 | yep, go on
好，就这么办 | okay, let's do that
对，我是{name} | yes, this is {name}
确认 | I confirm
听得到，你讲 | yes I can hear you
行行行 | fine fine fine
好嘞 | you bet
那就这样吧 | alright then
是啊 | yep
对头 | absolutely
可以呀 | definitely
嗯对 | yes indeed
没毛病 | sounds right to me
是的是的 | yes yes
对，是这个号 | yes, this is the right number
好的，我知道了 | understood
嗯嗯对，就是我 | yeah yeah, that's me
是我本人，请讲 | this is me, please go ahead
对，没错，是我 | right, correct, it's me
好，可以的 | okay, that's fine
行吧，就按你说的办 | alright, let's do it your way
嗯，我在听，你说 | yep I'm here, go ahead
是的，我知道这件事 | yes, I know about that
可以可以 | sure sure
好的呀 | sure thing
对对 | yeah yeah
是呀，怎么了 | yes, what's up
嗯，是这个号码 | yeah, this is that number
是的，我是户主 | yes, I'm the account holder
好的，没意见 | okay, no objections
没问题，你继续 | no problem, carry on
嗯，同意 | mm, agreed
对，我收到短信了 | yes, I got the text message
是的呢 | yes indeed
好好好 | okay okay okay
当然可以 | certainly
嗯 是的 | mm yes
对呀，怎么啦 | yeah, what's going on
是俺 | it's me alright
对，我就是你要找的人 | yes, I'm the person you're looking for
嗯呐 | yup
好滴 | okie
行，没毛病 | fine, all good
可以，你说吧我听着 | sure, go ahead, I'm listening
对的，是这样 | that's right, that's how it is
嗯，好的，明白 | yes, okay, understood
是，我是 | yes, I am
嗯，对的 | uh-huh, right
好的，可以，没问题 | okay, sure, no problem
是的，你好 | yes, hello
""",
    "deny": """
不是 | no
不对 | that's not right
不用了 | no thanks
不需要 | I don't need it
没兴趣 | not interested
不要 | nope
不了，谢谢 | no, thank you
不行 | no way
我不同意 | I don't agree
算了吧 | forget it
不考虑 | I'm not considering it
不不不 | no no no
没有 | no I haven't
不是这样的 | that's not the case
我没说过 | I never said that
不想办 | I don't want to sign up
不可以 | that's not okay
不太需要 | I don't really need that
这个我不要 | I don't want this
暂时不需要 | I don't need it for now
我拒绝 | I refuse
我不买 | I'm not buying anything
不对，你说错了 | no, that's incorrect
不是的 | nah
不感兴趣谢谢 | no thanks, I'm not interested
不用麻烦了 | don't bother
没那回事 | that's not true
我不愿意 | I'm not willing to
不办了 | I'll pass
不必了 | that won't be necessary
不，不是这样 | no, it's not like that
我不需要，谢谢 | I don't need it, thanks
不想要 | I don't want it
不了不了 | no no
不办 | not doing it
我没兴趣办这个 | I have no interest in this
不用了，我自己有 | no thanks, I already have one
我不接受 | I don't accept that
没有的事 | no such thing
那不行 | that won't work
不，我不想 | no, I don't want to
别了吧 | let's not
我没有申请过 | I never applied for that
不了，我考虑好了不要 | no, I've decided I don't want it
不对不对 | wrong wrong
我不要这个服务 | I don't want this service
不好意思，不需要 | sorry, not needed
我不去 | I'm not going
我没答应过 | I never agreed to that
没需要 | no need
不咋需要 | don't really need it
不弄了 | not gonna do it
这个不行 | this doesn't work for me
不想听 | I don't want to hear it
我看就算了 | I think I'll skip it
不必要 | unnecessary
没必要办 | there's no need to sign up
不，谢谢你啊 | no, thank you though
都不需要 | I don't need any of it
不，我没这么说 | no, I didn't say that
不，不用 | no, no need
不要不要 | no no I don't want it
我没有 | I don't have that
不了吧 | I'd rather not
""",
    "busy": """
我现在在忙 | I'm busy right now
我在开车，晚点再说 | I'm driving, talk later
正在开会，等会打给我 | I'm in a meeting, call me back later
现在不方便 | it's not a good time
我在上班，下班再聊 | I'm at work, can we talk after work
你晚点再打吧 | can you call back later
我这会儿没空 | I don't have time right now
在外面，回头再说 | I'm out right now, let's talk later
等一下我回你电话 | I'll call you back
我在吃饭 | I'm eating right now
我在带孩子，没时间 | I'm with my kids, I can't talk
你{date}再打过来吧 | call me back {date}
我正在忙，回头联系 | I'm tied up at the moment
现在说话不方便 | I can't really talk now
我在医院，改天吧 | I'm at the hospital, another time
我马上要登机了 | I'm about to board a flight
你换个时间打 | try another time
我在上课 | I'm in class right now
过会儿再说行吗 | can we do this later
手头有事，等下打 | I'm in the middle of something
我在开会 | I'm in a meeting
我现在走不开 | I can't step away right now
半小时后再打给我 | call me back in half an hour
今天没空，改天再说 | I'm swamped today, maybe another day
忙着呢 | kind of busy here
我在工地上听不了电话 | I'm on a job site, can't take calls now
我现在没空说话 | I can't talk right now
在忙呢，回头再打吧 | I'm busy, call me back later
我正开车呢，不方便接 | I'm driving, I can't take this call
在开会，一会儿再说 | in a meeting, later please
现在有点忙，晚上打给我 | I'm a bit busy, call me tonight
我在外面办事，等会儿 | I'm out running errands, later
不好意思，我这边在忙 | sorry, I'm busy at the moment
我在高速上，等下打 | I'm on the highway, call later
现在不方便，一个小时后打来 | not convenient now, call in an hour
我在地铁上，听不太清，晚点说 | I'm on the subway, let's talk later
我在干活呢，没空 | I'm working, no time
等我下班再说吧 | wait until I get off work
我这边正忙着接待客户 | I'm with a customer right now
我要进手术室了 | I'm about to go into surgery
刚好在忙，你待会儿打 | I'm busy right now, try again in a bit
我在做饭，没法说 | I'm cooking, I can't talk
现在真的没时间 | I really don't have time now
我正在上班不能接电话 | I'm at work, I can't take calls
回头我打给你吧 | I'll get back to you later
晚点联系 | let's talk later
我这会儿在忙，你过会儿再来电 | I'm busy right now, ring me again in a while
这会儿不太方便讲电话 | this isn't a great time to talk
我在接孩子，回头聊 | I'm picking up my kid, talk later
我在开车呢，回头打 | I'm driving, I'll call back
开会呢，先挂了 | I'm in a meeting, gotta go
等我忙完再说 | let's talk when I'm done
现在太忙了，明天再打 | too busy right now, call tomorrow
我手上有活，待会儿聊 | got my hands full, talk in a bit
我在外边，不方便说话 | I'm out, I can't really talk
正在忙，你发短信吧 | I'm busy, just text me
现在不行，我在忙 | not now, I'm busy
我现在手上有事 | I've got something going on right now
你过一个小时再打 | call again in an hour
我待会儿打给你 | I'll call you in a bit
""",
    "ask_price": """
多少钱 | how much is it
要多少钱啊 | how much does it cost
利息多少 | what's the interest rate
费用是多少 | what are the fees
手续费怎么算 | how is the fee calculated
一个月要还多少 | how much is the monthly payment
我欠了多少钱 | how much do I owe
总共要还多少 | what's the total amount due
年费多少 | what's the annual fee
保费多少钱 | how much is the premium
学费是多少 | how much is the tuition
有没有优惠 | is there a discount
利率是几个点 | what's the APR
罚息多少 | how much is the late fee
最低还多少 | what's the minimum payment
价格怎么样 | what's the price
贵不贵 | is it expensive
要收费吗 | is there a charge for it
还差多少没还 | how much is left on my balance
续保要多少钱 | how much to renew
每期还多少 | how much per installment
一共多少钱 | what does it come to in total
有没有其他费用 | are there any hidden fees
价钱多少 | what's the cost
能便宜点吗 | can you make it cheaper
月供多少 | what would my monthly payments be
这个要花多少钱 | how much will this cost
利息是怎么算的 | how is the interest calculated
我一共欠你们多少 | how much do I owe you in total
每个月还多少钱 | how much do I pay each month
手续费是多少 | what's the processing fee
贵吗 | is it pricey
收不收费 | do you charge for it
现在还款要多少 | how much do I need to pay now
年化利率多少 | what's the annual interest rate
最少要还多少 | what's the lowest amount I can pay
保险一年多少钱 | how much is the insurance per year
会员费多少 | how much is the membership fee
逾期费用多少 | what are the late charges
提前还款要手续费吗 | is there a fee for paying early
一期多少 | how much is one installment
这个价格能不能再低点 | can the price go any lower
有没有折扣 | do you offer any discounts
报名费多少 | how much is the registration fee
欠款金额是多少 | what's my outstanding balance
本金加利息一共多少 | principal plus interest, how much is that
咋收费的 | how do you charge
这个得多少钱 | how much would this be
总价多少 | what's the total price
要付多少利息 | how much interest do I pay
一年下来多少钱 | how much for the whole year
你们收多少钱 | how much do you guys charge
欠款还剩多少 | how much is still outstanding
分期的话每期多少 | if I do installments, how much each time
多少钱一个月 | how much a month
这个费用高吗 | are the fees high
这个多少钱啊 | how much is this
得花多少 | what will it cost
利息高不高 | is the interest high
一共要交多少 | how much do I need to pay altogether
""",
    "ask_detail": """
什么事 | what's this about
具体是什么情况 | can you explain the details
你说的是什么意思 | what do you mean
怎么办理 | how do I sign up
怎么还款 | how do I make a payment
在哪里还 | where can I pay
能详细说一下吗 | could you tell me more
这是什么业务 | what kind of service is this
有什么要求 | what are the requirements
需要什么材料 | what documents do I need
逾期会怎么样 | what happens if I'm late
会影响征信吗 | will this affect my credit score
什么时候到期 | when is it due
还款日是哪天 | what's the due date
能分期吗 | can I pay in installments
可以延期吗 | can I get an extension
怎么操作 | how does it work
为什么给我打电话 | why are you calling me
合同在哪里看 | where can I see the contract
可以用微信还吗 | can I pay online with my card
活动什么时候结束 | when does the promotion end
保险包括哪些 | what does the policy cover
开学是什么时候 | when does the semester start
订单到哪了 | where is my order
有什么流程 | what's the process
怎么取消 | how do I cancel it
这个账单是怎么回事 | what is this bill for
要带什么证件 | what ID do I need to bring
能说清楚一点吗 | can you be more specific
具体怎么操作啊 | how exactly do I do it
你们这是什么服务 | what service is this
这个贷款是干嘛的 | what is this loan for
需要我做什么 | what do I need to do
有什么条件 | what are the conditions
还款方式有哪些 | what payment methods are there
可以用支付宝吗 | can I use a mobile payment app
逾期了有什么影响 | what's the impact of being overdue
截止日期是什么时候 | what's the deadline
最晚什么时候还 | when is the latest I can pay
怎么申请 | how do I apply
能不能延期还 | can I pay later than the due date
保障范围是什么 | what's the coverage
我这个账单是哪来的 | where did this bill come from
需要去网点吗 | do I need to go to a branch
在哪个App里操作 | which app do I use
退款怎么弄 | how do I get a refund
课程是怎么安排的 | how is the course scheduled
快递什么时候到 | when will my delivery arrive
这是咋回事 | what's going on with this
你说的这个是啥 | what is this thing you're talking about
具体要怎么做 | what exactly should I do
办理需要多久 | how long does it take to process
在哪里能查到 | where can I look it up
是什么时候的账单 | which billing period is this
能发个短信给我详细说明吗 | can you text me the details
有没有别的还款方式 | is there another way to pay
为啥会逾期 | why is it overdue
这个钱是怎么来的 | where does this amount come from
""",
    "ask_identity": """
你是谁 | who is this
你是哪里 | where are you calling from
哪个公司的 | which company is this
你是机器人吗 | am I talking to a robot
你叫什么名字 | what's your name
你们是干什么的 | who are you guys
你怎么知道我电话的 | how did you get my number
你是骗子吧 | is this a scam
你是真人吗 | are you a real person
哪家银行 | which bank are you with
你是{org}的吗 | are you from {org}
请问您是哪位 | may I ask who's calling
你们公司叫什么 | what's the name of your company
你工号多少 | what's your employee ID
我怎么知道你不是骗子 | how do I know you're not a scammer
这是什么号码 | what number is this
你代表谁打的电话 | who are you calling on behalf of
这是录音吗 | is this a recording
喂，哪位 | hello, who's this
你哪位啊 | who am I speaking with
你是催收的吗 | are you a debt collector
你们是正规公司吗 | is this a legit company
你是人工智能吧 | you're an AI, aren't you
你哪里的 | where are you from
你们是哪家公司 | which company are you
你到底是谁啊 | who are you exactly
打电话的是谁 | who's calling
你是银行的吗 | are you from the bank
你是哪个平台的 | which platform are you from
你怎么有我号码 | how do you have my number
你是不是诈骗 | are you a fraud
是机器人在说话吗 | is a bot talking
你是AI吧 | is this AI
你叫啥 | what's your name again
你们公司在哪 | where is your company located
你是客服吗 | are you customer service
你是催债的吧 | you're a debt collector, right
怎么证明你是银行的 | how can you prove you're from the bank
你是真人还是机器 | are you human or a machine
你是哪个部门的 | which department are you from
谁让你打的 | who told you to call me
你们是什么机构 | what organization is this
这是哪里的电话 | where is this call coming from
你谁啊 | who are you
哪位啊 | who's this
你是干啥的 | what do you do
是哪个公司打来的 | which company is calling
你是什么人 | who are you people
你代表哪家机构 | which institution do you represent
你是不是骗人的 | are you trying to con me
这是官方电话吗 | is this an official number
你是人还是机器啊 | are you a person or a machine
你从哪拿到我的信息的 | where did you get my information
你是哪个 | who's that
你这是哪儿 | where is this from
你是谁派来的 | who sent you
你们是正规的吗 | are you legitimate
""",
    "promise_to_pay": """
我{date}还 | I'll pay {date}
{date}还{amt} | I'll pay {amt} {date}
我{date}就把钱还上 | I'll have the money to you {date}
等发了工资就还 | I'll pay once I get my paycheck
我先还{amt} | I can pay {amt} now
{date}之前一定还 | I'll definitely pay before {date}
我今天就去还 | I'll pay it today
我马上转账 | I'll transfer it right away
{date}给你们打{amt}过去 | I'll send {amt} {date}
放心，{date}肯定还清 | don't worry, I'll pay it off {date}
我尽快还 | I'll pay as soon as I can
我可以先还一部分 | I can make a partial payment
下午就去交 | I'll pay this afternoon
学费我{date}交 | I'll pay the tuition {date}
保费我{date}续上 | I'll renew the premium {date}
好，我{date}还{amt} | okay, {amt} {date}, I promise
我保证{date}还款 | I promise to pay {date}
行，{date}我去还 | fine, I'll go pay it {date}
我现在就在App上还 | I'm paying in the app right now
钱到了就还你们 | I'll pay you as soon as the money comes in
我{date}能凑够{amt} | I can get {amt} together by {date}
分两次还，{date}先还{amt} | I'll split it, {amt} {date} and the rest later
明天一早就还 | first thing tomorrow morning I'll pay
{amt}我{date}转给你 | I'll wire {amt} to you {date}
我会按时还的 | I'll make the payment on time
给我两天时间，{date}还 | give me two days, I'll pay {date}
我{date}一定还上 | I will definitely pay {date}
我{date}把{amt}转过去 | I'll transfer {amt} {date}
好，我{date}去处理还款 | okay, I'll take care of the payment {date}
我{date}先还一半 | I'll pay half {date}
等我{date}发工资就还你们 | I get paid {date}, I'll pay you then
行，{amt}我{date}给 | fine, I'll give you {amt} {date}
我尽量{date}还清 | I'll try to pay it all off {date}
我答应你{date}还 | I promise you I'll pay {date}
钱我{date}打过去 | I'll send the money {date}
这两天就还 | I'll pay in the next couple of days
等下我就去还 | I'll go pay in a moment
我今晚就还 | I'll pay tonight
{date}前我先还{amt}，剩下的下个月 | I'll pay {amt} before {date} and the rest next month
我可以{date}还{amt} | I can pay {amt} {date}
好的，我会还的 | okay, I will pay
我马上就还 | I'm paying right away
{date}能还上 | I can pay it {date}
我{date}去银行还 | I'll go to the bank {date} to pay
我{date}交学费 | I'll pay the tuition fee {date}
放心吧，{date}到账 | don't worry, it'll be there {date}
我{date}之前搞定 | I'll sort it out before {date}
{date}一定还你 | I'll pay you back {date} for sure
回头我就把钱转了 | I'll transfer the money shortly
给我点时间，{date}还 | give me some time, I'll pay {date}
我{date}凑{amt}还上 | I'll gather {amt} and pay it {date}
我下了班就去还 | I'll pay after I get off work
{date}还款没问题 | paying {date} is no problem
先还{amt}行吗，{date}还 | can I pay {amt} first, {date}
我这就去转账 | I'm going to make the transfer now
收到工资马上还 | I'll pay as soon as my salary arrives
""",
    "cannot_pay": """
我现在没有钱 | I don't have any money right now
还不上 | I can't pay it
我失业了，没钱还 | I lost my job, I can't pay
最近手头紧 | money's tight right now
真的没钱了 | I'm broke
我还不起 | I can't afford it
生意亏了还不了 | my business failed, I can't repay
家里出事了，钱都用了 | family emergency, all my money's gone
这个月还不了 | I can't make the payment this month
没钱，你们爱怎么样怎么样 | I don't have it, do whatever you want
工资还没发，没钱 | I haven't been paid, I've got nothing
我生病住院了，没钱还 | I'm in the hospital, I can't pay
我一分钱都没有 | I don't have a single cent
我真的还不起这么多 | I really can't afford the full amount
{amt}我拿不出来 | I can't come up with {amt}
太多了还不起 | it's too much, I can't afford it
我也想还但是没钱 | I want to pay but I don't have the money
公司倒闭了没收入 | my company shut down, I have no income
最近没收入 | I have no income these days
实在是没办法还 | there's no way I can pay
我没能力还 | I'm unable to pay
钱被骗了，还不了 | I got scammed, I can't pay
交不起学费了 | I can't afford the tuition
保费太贵交不起 | I can't afford the premium
现在经济困难 | I'm having financial difficulties
我没钱还 | I don't have money to pay
现在还不了 | I can't pay right now
我拿不出这么多钱 | I can't come up with that much
最近困难，还不上 | times are hard, I can't pay
我真的没有能力还款 | I really can't make the payment
钱都花光了 | I spent all my money
我被裁员了 | I got laid off
家里有人生病了，没钱 | someone in my family is sick, no money
这个月工资没发下来 | my salary didn't come in this month
我欠的太多了还不起 | I owe too much, I can't pay
手上一点钱都没有 | I have no cash at all
付不起 | can't afford it
还款有困难 | I'm having trouble paying
做生意赔了 | I lost money in business
我现在连饭都吃不起了 | I can barely afford food
没收入怎么还 | how can I pay with no income
暂时还不上 | I can't pay for now
我实在是凑不出钱 | I just can't scrape the money together
这个钱我还不起 | I can't pay this money back
我破产了 | I'm bankrupt
没钱啊 | I got no money
实在还不上了 | I really can't pay anymore
我哪有钱还 | where would I get the money to pay
现在一分都还不了 | I can't pay a penny right now
没工作没钱 | no job, no money
我也没办法，没钱 | I have no choice, I'm out of money
这么多钱我还不起 | I can't repay that much money
我现在很困难 | I'm in a really tough spot
钱不够还 | I don't have enough to pay
要钱没有 | I've got no money to give
""",
    "already_done": """
我已经还了 | I already paid
昨天就还了 | I paid yesterday
钱已经转过去了 | I already sent the money
早就还清了 | I paid it off a long time ago
我交过了 | I've already paid it
刚刚还完 | I just paid
已经办好了 | it's already taken care of
我已经续保了 | I already renewed
学费交了 | the tuition's been paid
已经自动扣款了 | it was already auto-debited
你们查一下，我还过了 | check your records, I paid
上周就付了 | I paid last week
已经处理了 | already done
我已经在App上还了 | I paid it in the app already
我都还完了还打 | I already paid, why are you still calling
已经结清了 | the account is settled
我老婆已经帮我还了 | my wife already paid it
已经提交了 | I already submitted it
我早上已经转账了 | I made the transfer this morning
上个月就还清了 | it was paid in full last month
我已经取消了 | I already canceled it
东西我已经收到了 | I already got my order
已经预约过了 | I already booked it
前两天还过了 | I paid a couple of days ago
我还完了 | I've paid it off
已经付过了 | it's already been paid
我上午已经还了 | I paid this morning
刚才已经转了 | I just transferred it
钱昨天就打过去了 | the money went out yesterday
我早还了 | I paid long ago
已经全部还清了 | it's all paid off
你们系统没更新吧，我还了 | your system must not be updated, I paid
已经续费了 | I already renewed it
我已经交完了 | I've finished paying
已经扣款成功了 | the payment already went through
我都办完了 | I've already done all of it
上次就还了 | I paid it last time
已经还过一次了 | I already made that payment
我家里人帮我还了 | my family paid it for me
已经处理好了 | it's been handled
早就缴费了 | I paid the fee ages ago
前天转账了 | I transferred it the day before yesterday
我已经还了，有记录 | I paid and I have the receipt
钱我已经交了 | I've already handed over the money
还了啊 | I paid already
早就转了 | transferred long ago
我付了 | I paid
已经缴清了 | fully paid up
钱已经到你们账上了 | the money's already in your account
我刚交完 | I just finished paying
你们没收到吗，我已经还了 | didn't you get it, I already paid
这个月的已经还了 | this month's is already paid
已经搞定了 | it's already sorted
我前几天就还清了 | I paid it off a few days ago
""",
    "wrong_person": """
你打错了 | you have the wrong number
我不是{name} | I'm not {name}
这里没有这个人 | there's no one here by that name
不认识{name} | I don't know {name}
你找错人了 | you've got the wrong person
这个号码我刚换的 | I just got this number
{name}不在这 | {name} doesn't live here
这不是他的电话 | this isn't his phone
我不是本人 | I'm not the account holder
我是他朋友 | I'm just his friend
我是她妈妈，她不在 | I'm her mom, she's not here
没这个人 | nobody here by that name
号码是新办的，不认识这人 | this is a new number, I don't know them
你打错电话了吧 | I think you dialed wrong
我不姓{name} | my name isn't {name}
他已经不用这个号了 | he doesn't use this number anymore
这是公司座机 | this is a company line
你说的那个人我不认识 | I don't know who you're talking about
找谁？没这人 | who? there's nobody like that here
这号以前是别人的 | this number used to belong to someone else
打错了 | wrong number
我不是你要找的人 | I'm not the person you're looking for
没有这个人啊 | there's no such person
你找谁啊，我不认识 | who are you looking for, I don't know them
这个号码不是{name}的 | this number doesn't belong to {name}
我不叫{name} | my name's not {name}
他不在这里住 | he doesn't live here
我们家没有叫{name}的 | no one in my family is called {name}
这个人我不认识 | I don't know this person
你是不是打错号码了 | did you dial the wrong number
我不是机主 | I'm not the owner of this phone
这是我刚买的号 | I just bought this number
她已经换号了 | she changed her number
那是我爸，他不在 | that's my dad, he's not here
你找的人不是我 | the person you want isn't me
我不认识你说的人 | I don't know the person you mentioned
号码换人了 | the number has a new owner
你们搞错人了 | you've got the wrong guy
这里是{org}，不是个人电话 | this is {org}, not a personal phone
我只是帮他接个电话 | I'm just answering his phone for him
你打错电话了 | you called the wrong number
不是我 | it's not me
没有叫这名字的 | nobody goes by that name
我不知道你说的是谁 | I don't know who you mean
这不是{name}的手机 | this isn't {name}'s phone
他早就不用这个号了 | he stopped using this number a long time ago
找错了，这里没这人 | wrong person, there's no one like that here
我不是他，我是他同事 | I'm not him, I'm his coworker
我不认识什么{name} | I don't know any {name}
这号码是我的，不是他的 | this number is mine, not his
""",
    "do_not_call": """
别再打了 | stop calling me
不要再给我打电话 | don't call me again
把我的号码删了 | take my number off your list
再打我就投诉 | if you call again I'll report you
以后别打了 | don't ever call again
我要投诉你们骚扰 | I'm filing a harassment complaint
我拉黑你了 | I'm blocking this number
不要骚扰我 | stop harassing me
天天打烦不烦 | you call every day, it's so annoying
把我从名单上去掉 | remove me from your list
我不想再接到你们电话 | I don't want any more calls from you
别打了行不行 | can you stop calling
再打我就报警了 | call again and I'm calling the police
不准再打这个号 | do not call this number
退订电话推广 | unsubscribe me from these calls
再打我告你们 | call again and I'll sue
请停止联系我 | please stop contacting me
把我加到免打扰名单 | put me on the do not call list
这是骚扰电话 | this is harassment
以后不要联系我了 | never contact me again
别给我打了 | stop calling me
烦死了，不要再打 | so annoying, don't call again
我说了别打了 | I told you to stop calling
再打我拉黑 | call again and I'll block you
以后不要打这个电话 | never call this number again
不要联系我了 | don't contact me
请把我的号码删除 | please delete my number
我要投诉你们 | I'm going to file a complaint against you
你们这是骚扰 | this is harassment
每天都打，别打了 | you call every day, stop it
不要再推销了 | stop trying to sell me stuff
别再打我电话了听到没 | stop calling my phone, do you hear me
我已经说过不要打了 | I already said don't call
我要告你们骚扰 | I'll sue you for harassment
把我拉进黑名单吧 | put me on your blacklist
不接受任何电话推销 | I don't accept telemarketing calls
我不想再听到你们的电话 | I never want to hear from you again
打一次我投诉一次 | every time you call I'll complain
请不要打扰我 | please don't disturb me
从你们的名单里删了我 | delete me from your list
别烦我了 | quit bothering me
不要再打过来 | don't call back
打什么打，别打了 | what are you calling for, stop it
我说最后一次，别打了 | I'm saying it one last time, stop calling
以后都别联系我 | don't ever reach out to me again
我要举报你们 | I'm reporting you
给我删掉号码 | delete my number
再骚扰我就报警 | harass me again and I'll call the cops
不要再拨这个号码 | don't dial this number again
少给我打电话 | stop ringing me
别打了 | stop calling
你们能不能别打了 | can you guys stop calling
我不想接你们的电话 | I don't want your calls
再打就投诉 | call again and I'll complain
""",
    "request_human": """
转人工 | transfer me to an agent
我要找人工客服 | I want to talk to a real person
让真人跟我说 | let me speak to a human
有没有人工 | is there a live agent
找你们经理 | get me your manager
我不跟机器说话 | I'm not talking to a machine
给我转客服 | connect me to customer service
人工服务 | representative
我要跟你们负责人谈 | I want to speak to someone in charge
叫个活人来 | get me a live person
能转接吗 | can you transfer me
我有问题要问人工 | I need to ask a person something
找个懂的人来 | put someone who knows on the line
转接人工台 | operator please
帮我接通客服 | please connect me to support
我要跟老师本人说 | I want to talk to the teacher directly
找你们主管 | let me talk to your supervisor
按几号转人工 | which button do I press for an agent
我要和工作人员说话 | I'd like to speak with a staff member
给我转人工 | get me a human
我要人工服务 | I want human service
有没有真人客服 | is there a real customer service person
我要和真人说话 | I want to talk to a real person
转接人工坐席 | transfer to a live agent
让你们领导来接 | have your boss take the call
我不想跟机器人说 | I don't want to talk to a robot
找个人工来 | find me a human
接人工 | human please
我要找客服经理 | I want the customer service manager
能不能让真人来说 | can a real person talk to me
转接一下你们的工作人员 | transfer me to one of your staff
我要投诉，找你们负责人 | I want to complain, get me whoever's in charge
让人工给我回电话 | have a person call me back
我想跟客服聊 | I want to chat with customer service
找个会说话的人来 | get someone who can actually talk
换个人跟我说 | let someone else talk to me
我需要人工帮助 | I need help from a person
可以找真人吗 | can I get a real person
转人工服务台 | go to the operator desk
转个人工 | human agent please
我要人工 | I want a human
叫你们客服来 | get your customer service on
我要跟工作人员说 | I want to speak to a staff member
换人工来 | switch me to a person
有人工吗 | any humans there
我想找人工咨询 | I'd like to consult a human
让经理接电话 | put the manager on the phone
机器人听不懂，转人工 | the robot doesn't get it, get me a human
真人客服在哪 | where's the real support person
""",
    "repeat": """
什么 | what
你说什么 | what did you say
没听清 | I didn't catch that
再说一遍 | say that again
能再说一次吗 | could you repeat that
听不清楚 | I can't hear you well
你刚才说啥 | sorry, what was that
啊？ | huh?
大声点 | speak up please
慢点说 | slow down please
信号不好，你再讲一遍 | bad connection, say it again
没听懂，再说一遍 | I didn't understand, please repeat
重复一下 | please repeat
喂？听不见 | hello? I can't hear you
断断续续的听不清 | you're breaking up
说慢一点我记一下 | say it slower, I'm writing it down
你刚说哪天 | sorry, which day did you say
不好意思刚没听到 | sorry, I missed that
请再讲一次 | pardon
你说啥玩意 | come again
刚才那句再说下 | can you say the last part again
啥 | what now
你说啥 | what'd you say
没听见 | I didn't hear
再说一次 | one more time
你再讲一下 | tell me again
我没听明白 | I didn't get that
什么什么 | what what
你说慢一点 | talk slower
声音太小了 | your voice is too quiet
听不到你说话 | I can't hear you talking
你刚刚说的什么 | what did you just say
能重复一遍吗 | can you repeat it
不好意思没听清楚 | sorry I didn't hear clearly
我这信号不好再说一遍 | my signal is bad, say it again
嗯？ | hm?
再来一遍 | once more please
你说的我没听懂 | I didn't understand what you said
你声音断了 | your voice cut out
麻烦重复一下 | would you mind repeating
啥意思再说一遍 | what do you mean, say it again
再说一下 | say it once more
你说什么我没听到 | I didn't hear what you said
啊？啥？ | huh? what?
听不太清 | can't quite hear
你再重复一下 | repeat that please
刚才断了 | it cut out just now
没听懂 | didn't get it
你说的啥我听不懂 | I can't understand what you're saying
请大点声 | louder please
喂喂，听不到 | hello hello, I can't hear
嗯？你说啥 | hmm? what'd you say
听不清啊 | I can't hear it
能不能再说一遍 | can you say that one more time
刚没听到你说的 | I didn't catch what you just said
""",
    "voicemail": """
您拨打的电话已关机 | -
您拨打的电话暂时无法接通，请稍后再拨 | -
您拨打的用户正在通话中，请稍后再拨 | -
您拨打的号码是空号，请查证后再拨 | -
对不起，您拨打的电话已停机 | -
您拨打的电话无人接听，请稍后再拨 | -
您拨打的用户已开通来电提醒，我们将以短信方式通知机主 | -
请在提示音后留言，留言结束请挂机 | -
您好，我现在不方便接电话，请在嘀声后留言 | -
您拨打的电话正在通话中，请不要挂机 | -
您拨打的电话不在服务区 | -
对不起，您拨打的用户暂时无法接通，sorry the subscriber you dialed cannot be connected | -
您好，机主现在无法接听，请留言 | -
对方已设置呼叫转移，请稍候 | -
您拨打的号码有误，请核对后再拨 | -
您拨打的电话已欠费停机 | -
正在为您转接语音信箱 | -
您拨的电话号码不存在 | -
您拨打的用户忙，请稍后再拨 | -
您好，我是机主的智能助理，机主暂时无法接听，有什么事我可以帮您转达 | -
您好，您拨打的电话正忙，请稍后再拨 | -
对不起，您所拨打的号码已过期 | -
- | the person you are calling is not available, please leave a message after the tone
- | the number you have dialed is not in service
- | the wireless customer you are calling is not available
- | please leave your message after the beep
- | you have reached the voicemail of {name}
- | hi, you've reached {name}, I can't come to the phone right now, please leave a message
- | the mailbox is full and cannot accept any messages at this time
- | your call has been forwarded to an automated voice messaging system
- | the subscriber you have dialed is not reachable
- | we're sorry, the number you have reached is disconnected or no longer in service
- | at the tone, please record your message
- | the number you have dialed has been changed, disconnected or is no longer in service
- | please record your message, when you are finished you may hang up
- | hi this is {name}, sorry I missed your call, leave your name and number
- | your call cannot be completed as dialed, please check the number and dial again
- | this person is unavailable, record your message after the tone
- | the person you're calling is using a call screening service, please state your name and why you're calling
- | the voice mailbox you are trying to reach has not been set up yet
- | all circuits are busy now, please try your call again later
- | the customer you are calling is unavailable right now, please try again later
您拨打的电话已关机，请稍后再拨 | -
您所拨打的电话暂时无法接通 | -
您拨打的用户正忙，请稍后再拨 | -
您拨打的电话无人接听 | -
您拨打的号码已停机 | -
您拨打的用户不在服务区，请稍后再拨 | -
您拨打的号码不存在 | -
请在嘀的一声后留言 | -
您好，您拨打的用户已开启来电助理 | -
机主已开通秘书服务，请留言 | -
对不起，您拨打的用户暂时无法接通，请稍后再拨 | -
您好，我是机主的来电助理，请问有什么事 | -
- | the person you are trying to reach is unavailable
- | please leave a message after the tone
- | the number you have called is not available
- | this number is no longer in service
- | the subscriber you are trying to call is not available please try again later
- | you've reached the voicemail box of
- | please leave your name number and a brief message
- | the mailbox you are trying to reach is full
- | I'm not available right now, leave a message and I'll call you back
- | at the tone please record your message when you have finished recording you may hang up
- | sorry, the number you dialed cannot be reached
- | the call you have placed cannot be completed
您拨打的电话暂时无法接通 | -
您拨打的电话已停机，请核实后再拨 | -
您拨打的号码正在通话中 | -
请在听到嘀声后开始留言 | -
您拨打的用户已关机 | -
- | the number you are calling is not reachable at this time
- | please leave a message for
- | record your message at the tone
- | the cellular customer you are calling is unavailable
- | the number you have reached is not a working number
""",
    "other": """
喂 | hello?
喂，你好 | hi there
今天天气不错 | nice weather today
你吃饭了吗 | how's your day going
我在听 | I'm listening
等一下 | hold on a second
这个嘛，我想想 | let me think about it
我不知道 | I don't know
我考虑一下 | I'll think about it
随便吧 | whatever
我老公管这个，我不太清楚 | my husband handles this stuff, I'm not sure
哈哈哈 | haha
你声音挺好听的 | you have a nice voice
我刚下班 | I just got off work
你们那边下雨了吗 | is it raining over there
谢谢 | thank you
再见 | goodbye
上次那个事怎么样了 | what happened with that thing from last time
我想买个手机 | I want to buy a new phone
你们那边几点了 | what time is it over there
这个我得问问家里人 | I need to ask my family first
我刚才在洗澡 | I was in the shower
小明，电视声音关小点 | honey, turn the TV down
听说你们要搬家了 | I heard you guys are moving
喂喂喂 | hello hello
我在超市买菜呢，你说 | I'm at the grocery store, go on
我的狗在叫 | my dog is barking
你说的我都明白 | I get all that
你好 | hello
喂，在吗 | hello, are you there
哦 | oh
那个什么来着 | what was it again
我想一下 | let me think
今天好冷 | it's so cold today
我在外地旅游 | I'm traveling out of town
你们周末上班吗 | do you work on weekends
这个事我要跟我老婆商量 | I need to discuss this with my wife
我先挂了 | I'm hanging up now
好的拜拜 | okay bye bye
你吃了吗 | did you eat
我孩子在哭，等一下 | my kid is crying, one sec
你那边很吵 | it's noisy on your end
没事 | nothing
嗯…… | hmm...
随便你 | whatever you say
我好像在哪见过你这个号码 | I think I've seen your number before
我刚刚睡醒 | I just woke up
我不太清楚 | I'm not quite sure
我知道了，还有别的事吗 | I see, anything else
这个我也说不好 | I can't really say
你们那边冷不冷 | is it cold where you are
我刚到家 | I just got home
哎呀 | oh dear
你稍等 | one moment
我这边在下雨 | it's raining here
我找找我的眼镜 | let me find my glasses
我妈叫我吃饭了 | my mom's calling me for dinner
我想问问别的事 | I wanted to ask about something else
我今天休息 | I'm off today
这个手机是新买的 | this phone is brand new
你们几点下班 | what time do you close
我在排队呢 | I'm standing in line
外面好大的风 | it's really windy outside
我老婆在旁边 | my wife is next to me
你说的这个我以前听过 | I've heard about this before
哈喽 | hey
我刚刚在看电视 | I was just watching TV
我记不太清了 | I don't quite remember
嗯嗯，然后呢 | uh-huh, and then
你们那边是哪个城市 | which city are you in
我最近身体不太好 | I haven't been feeling well lately
我在楼下拿快递 | I'm downstairs picking up a package
明天要下雨吧 | it's supposed to rain tomorrow
我过年回老家 | I'm going back to my hometown for the new year
这个月好多事 | so much going on this month
我儿子在上学 | my son is at school
不好意思我刚才走神了 | sorry I zoned out for a second
你们也挺辛苦的 | you guys work hard too
我在充电 | my phone is charging
我这边声音有回音 | there's an echo on my end
我想想该怎么说 | let me think how to put it
你们那个广告我看过 | I saw your ad
等我找个安静的地方 | let me find a quiet spot
我的车坏了 | my car broke down
今天星期几来着 | what day is it today
对了，我问你个事 | by the way, can I ask you something
我在喂狗 | I'm feeding the dog
嗯，好吧，那就这样 | hmm, okay, well then
""",
}

# Parallel slot fillers (zh, en): the same value in both languages, so translations stay aligned.
AMOUNTS: list[tuple[str, str]] = [
    ("三千", "three thousand"),
    ("两千五", "2500"),
    ("五百块", "500 dollars"),
    ("一千", "a thousand dollars"),
    ("3000", "$3,000"),
    ("一万二", "12,000 dollars"),
    ("八百", "eight hundred"),
    ("两千", "two grand"),
    ("1500块", "1,500 bucks"),
    ("三百五", "350"),
    ("五千块钱", "five thousand dollars"),
    ("3千5百", "3500 dollars"),
    ("¥500", "$500"),
    ("一千二百元", "$1,200"),
    ("两百", "two hundred"),
    ("六百块", "six hundred bucks"),
    ("四千", "$4,000.00"),
    ("九百九", "990 dollars"),
]
DATES: list[tuple[str, str]] = [
    ("明天", "tomorrow"),
    ("后天", "the day after tomorrow"),
    ("下周五", "next Friday"),
    ("这周六", "this Saturday"),
    ("月底", "at the end of the month"),
    ("15号", "on the 15th"),
    ("下个月初", "early next month"),
    ("周末", "this weekend"),
    ("明天下午三点", "tomorrow at 3 pm"),
    ("今天晚上", "tonight"),
    ("下礼拜一", "next Monday"),
    ("20号之前", "before the 20th"),
    ("3月5号", "on March 5th"),
    ("大后天", "in three days"),
    ("明天上午", "tomorrow morning"),
    ("这个星期内", "within this week"),
    ("星期三", "on Wednesday"),
    ("下周二上午十点", "next Tuesday at 10 am"),
]
NAMES: list[tuple[str, str]] = [
    ("张伟", "John Smith"),
    ("李娜", "Maria"),
    ("王芳", "Mr. Johnson"),
    ("刘洋", "Sarah"),
    ("陈静", "David Lee"),
    ("赵磊", "Jennifer"),
]
ORGS: list[tuple[str, str]] = [
    ("银行", "the bank"),
    ("贷款公司", "the loan company"),
    ("保险公司", "the insurance company"),
    ("学校", "the school"),
    ("商城", "the store"),
]
