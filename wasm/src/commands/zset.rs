//! The sorted-set group (Redis `t_zset.c`) as JS methods. Scores are JS
//! numbers (`Infinity` for `inf`); scored replies are `[member, score][]`.

use embedis::Reply;
use js_sys::Array;
use wasm_bindgen::prelude::*;

use crate::Embedis;
use crate::commands::keyspace::{limit, scan_options};
use crate::convert::{self, Argv, Mode, Opts};
use crate::types::*;

/// `[key, [member, score][]]` of ZMPOP/BZMPOP, or `null`.
fn zmpopped(r: Reply) -> Result<JsValue, JsValue> {
    let Some(mut v) = convert::items(r)? else {
        return Ok(JsValue::NULL);
    };
    if v.len() != 2 {
        return Err(convert::type_error("embedis: malformed ZMPOP reply"));
    }
    let entries = convert::scored(v.pop().unwrap())?;
    let key = convert::nullable(v.pop().unwrap(), Mode::Text)?;
    Ok(Array::of2(&key, &entries).into())
}

/// `[key, member, score]` of BZPOPMIN/BZPOPMAX, or `null`.
fn key_member_score(r: Reply) -> Result<JsValue, JsValue> {
    let Some(v) = convert::items(r)? else {
        return Ok(JsValue::NULL);
    };
    let [key, member, score]: [Reply; 3] = v
        .try_into()
        .map_err(|_| convert::type_error("embedis: malformed BZPOPMIN reply"))?;
    Ok(Array::of3(
        &convert::nullable(key, Mode::Text)?,
        &convert::nullable(member, Mode::Text)?,
        &convert::score(&score)?.into(),
    )
    .into())
}

/// Strings, or `[member, score]` pairs when `with_scores`.
fn members(r: Reply, with_scores: bool) -> Result<JsValue, JsValue> {
    if with_scores {
        convert::scored(r)
    } else {
        convert::list_or_empty(r, Mode::Text)
    }
}

/// `WEIGHTS` and `AGGREGATE` of ZUNION/ZINTER(STORE).
fn combine_options(mut a: Argv, o: &Opts) -> Result<Argv, JsValue> {
    if let Some(w) = o.get("weights") {
        a = a.kw("WEIGHTS").args(&w)?;
    }
    if let Some(agg) = o.get("aggregate") {
        a = a.kw("AGGREGATE").upper(&agg)?;
    }
    Ok(a)
}

/// `BYSCORE|BYLEX`, `REV`, `LIMIT` of ZRANGE / ZRANGESTORE.
fn range_options(mut a: Argv, o: &Opts) -> Result<Argv, JsValue> {
    match o.get("by").and_then(|b| b.as_string()).as_deref() {
        None | Some("rank") | Some("RANK") => {}
        Some("score") | Some("SCORE") => a = a.kw("BYSCORE"),
        Some("lex") | Some("LEX") => a = a.kw("BYLEX"),
        Some(_) => {
            return Err(convert::type_error(
                "embedis: zrange `by` must be 'rank', 'score' or 'lex'",
            ));
        }
    }
    if o.flag("rev") {
        a = a.kw("REV");
    }
    limit(a, o)
}

impl Embedis {
    /// A range command with `{ limit, withScores }` options.
    fn zrange_by(&self, a: Argv, options: &JsValue) -> Result<JsValue, JsValue> {
        let o = Opts::new(options)?;
        let mut a = limit(a, &o)?;
        let ws = o.flag("withScores");
        if ws {
            a = a.kw("WITHSCORES");
        }
        members(self.run(a)?, ws)
    }

    /// ZUNION / ZINTER with options.
    fn zcombine(
        &self,
        name: &'static str,
        keys: &JsValue,
        options: &JsValue,
    ) -> Result<JsValue, JsValue> {
        let o = Opts::new(options)?;
        let mut a = combine_options(Argv::new(name).counted(keys)?, &o)?;
        let ws = o.flag("withScores");
        if ws {
            a = a.kw("WITHSCORES");
        }
        members(self.run(a)?, ws)
    }

    /// ZPOPMIN / ZPOPMAX.
    fn zpop(
        &self,
        name: &'static str,
        key: &JsValue,
        count: Option<f64>,
    ) -> Result<Scored, JsValue> {
        let mut a = Argv::new(name).arg(key)?;
        if let Some(n) = count {
            a = a.num(n);
        }
        Ok(convert::scored(self.run(a)?)?.unchecked_into())
    }

    /// BZPOPMIN / BZPOPMAX.
    fn bzpop(
        &self,
        name: &'static str,
        keys: &JsValue,
        timeout: f64,
    ) -> Result<PromiseKeyMemberScore, JsValue> {
        let d = self.dispatch(Argv::new(name).args(keys)?.num(timeout).0);
        Ok(self.promise(d, Box::new(key_member_score)).unchecked_into())
    }
}

#[wasm_bindgen]
impl Embedis {
    /// Same as Redis `ZADD key [NX|XX] [GT|LT] [CH] score member ...`:
    /// members as `[[score, member], ...]` (Redis's order) or an object /
    /// `Map` from member to score. Returns how many were added (or changed, with `ch`).
    pub fn zadd(
        &self,
        key: &Key,
        members: &ScoredMembers,
        options: Option<ZAddOptions>,
    ) -> Result<f64, JsValue> {
        let o = Opts::of(options)?;
        let mut a = Argv::new("ZADD").arg(key)?;
        for (field, kw) in [
            ("nx", "NX"),
            ("xx", "XX"),
            ("gt", "GT"),
            ("lt", "LT"),
            ("ch", "CH"),
        ] {
            if o.flag(field) {
                a = a.kw(kw);
            }
        }
        let score_first = Array::is_array(members);
        for (x, y) in convert::pairs(members)? {
            let (score, member) = if score_first { (x, y) } else { (y, x) };
            a = a.arg(&score)?.arg(&member)?;
        }
        convert::integer(self.run(a)?)
    }

    /// Same as Redis `ZINCRBY`: the new score.
    pub fn zincrby(&self, key: &Key, increment: f64, member: &Value) -> Result<f64, JsValue> {
        let r = self.run(Argv::new("ZINCRBY").arg(key)?.num(increment).arg(member)?)?;
        convert::score(&r)
    }

    /// Same as Redis `ZREM`: how many were removed.
    pub fn zrem(&self, key: &Key, members: &Values) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("ZREM").arg(key)?.args(members)?)?)
    }

    /// Same as Redis `ZCARD`.
    pub fn zcard(&self, key: &Key) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("ZCARD").arg(key)?)?)
    }

    /// Same as Redis `ZSCORE`: the score, or `null`.
    pub fn zscore(&self, key: &Key, member: &Value) -> Result<NullableNumber, JsValue> {
        let r = self.run(Argv::new("ZSCORE").arg(key)?.arg(member)?)?;
        Ok(convert::float(r)?.unchecked_into())
    }

    /// Same as Redis `ZMSCORE`: one score or `null` per member.
    pub fn zmscore(&self, key: &Key, members: &Values) -> Result<NullableNumbers, JsValue> {
        let r = self.run(Argv::new("ZMSCORE").arg(key)?.args(members)?)?;
        Ok(convert::floats(r)?.unchecked_into())
    }

    /// Same as Redis `ZRANK`: the 0-based rank by ascending score, or `null`.
    pub fn zrank(&self, key: &Key, member: &Value) -> Result<NullableNumber, JsValue> {
        let r = self.run(Argv::new("ZRANK").arg(key)?.arg(member)?)?;
        Ok(convert::nullable_integer(r)?.unchecked_into())
    }

    /// Same as Redis `ZREVRANK`.
    pub fn zrevrank(&self, key: &Key, member: &Value) -> Result<NullableNumber, JsValue> {
        let r = self.run(Argv::new("ZREVRANK").arg(key)?.arg(member)?)?;
        Ok(convert::nullable_integer(r)?.unchecked_into())
    }

    /// Same as Redis `ZCOUNT key min max` (scores; `'(1'` is exclusive).
    pub fn zcount(&self, key: &Key, min: &Score, max: &Score) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("ZCOUNT").arg(key)?.arg(min)?.arg(max)?)?)
    }

    /// Same as Redis `ZLEXCOUNT key min max` (`'[a'`, `'(a'`, `'-'`, `'+'`).
    pub fn zlexcount(&self, key: &Key, min: &str, max: &str) -> Result<f64, JsValue> {
        let a = Argv::new("ZLEXCOUNT")
            .arg(key)?
            .arg(&min.into())?
            .arg(&max.into())?;
        convert::integer(self.run(a)?)
    }

    // skip_typescript: members, or `[member, score]` pairs with `withScores`;
    // overloads in types.rs.
    /// Same as Redis 6.2+ `ZRANGE key start stop [BYSCORE|BYLEX] [REV]
    /// [LIMIT offset count] [WITHSCORES]`, options `{ by, rev, limit, withScores }`.
    #[wasm_bindgen(skip_typescript)]
    pub fn zrange(
        &self,
        key: &JsValue,
        start: &JsValue,
        stop: &JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let o = Opts::new(&options)?;
        let a = Argv::new("ZRANGE").arg(key)?.arg(start)?.arg(stop)?;
        let mut a = range_options(a, &o)?;
        let ws = o.flag("withScores");
        if ws {
            a = a.kw("WITHSCORES");
        }
        members(self.run(a)?, ws)
    }

    // skip_typescript: as `zrange`.
    /// Same as Redis `ZREVRANGE key start stop [WITHSCORES]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn zrevrange(
        &self,
        key: &JsValue,
        start: f64,
        stop: f64,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        let a = Argv::new("ZREVRANGE").arg(key)?.num(start).num(stop);
        let o = Opts::new(&options)?;
        let ws = o.flag("withScores");
        let a = if ws { a.kw("WITHSCORES") } else { a };
        members(self.run(a)?, ws)
    }

    // skip_typescript: as `zrange`.
    /// Same as Redis `ZRANGEBYSCORE key min max [WITHSCORES] [LIMIT offset count]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn zrangebyscore(
        &self,
        key: &JsValue,
        min: &JsValue,
        max: &JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.zrange_by(
            Argv::new("ZRANGEBYSCORE").arg(key)?.arg(min)?.arg(max)?,
            &options,
        )
    }

    // skip_typescript: as `zrange`.
    /// Same as Redis `ZREVRANGEBYSCORE key max min [WITHSCORES] [LIMIT offset count]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn zrevrangebyscore(
        &self,
        key: &JsValue,
        max: &JsValue,
        min: &JsValue,
        options: JsValue,
    ) -> Result<JsValue, JsValue> {
        self.zrange_by(
            Argv::new("ZREVRANGEBYSCORE").arg(key)?.arg(max)?.arg(min)?,
            &options,
        )
    }

    /// Same as Redis `ZRANGEBYLEX key min max [LIMIT offset count]`.
    pub fn zrangebylex(
        &self,
        key: &Key,
        min: &str,
        max: &str,
        options: Option<LimitOptions>,
    ) -> Result<Strings, JsValue> {
        let a = Argv::new("ZRANGEBYLEX")
            .arg(key)?
            .arg(&min.into())?
            .arg(&max.into())?;
        let a = limit(a, &Opts::of(options)?)?;
        Ok(convert::list_or_empty(self.run(a)?, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `ZREVRANGEBYLEX key max min [LIMIT offset count]`.
    pub fn zrevrangebylex(
        &self,
        key: &Key,
        max: &str,
        min: &str,
        options: Option<LimitOptions>,
    ) -> Result<Strings, JsValue> {
        let a = Argv::new("ZREVRANGEBYLEX")
            .arg(key)?
            .arg(&max.into())?
            .arg(&min.into())?;
        let a = limit(a, &Opts::of(options)?)?;
        Ok(convert::list_or_empty(self.run(a)?, Mode::Text)?.unchecked_into())
    }

    /// Same as Redis `ZRANGESTORE dst src min max [BYSCORE|BYLEX] [REV] [LIMIT]`:
    /// the size of the stored set.
    pub fn zrangestore(
        &self,
        destination: &Key,
        source: &Key,
        start: &RangeBound,
        stop: &RangeBound,
        options: Option<ZRangeStoreOptions>,
    ) -> Result<f64, JsValue> {
        let a = Argv::new("ZRANGESTORE")
            .arg(destination)?
            .arg(source)?
            .arg(start)?
            .arg(stop)?;
        convert::integer(self.run(range_options(a, &Opts::of(options)?)?)?)
    }

    /// Same as Redis `ZREMRANGEBYRANK`.
    pub fn zremrangebyrank(&self, key: &Key, start: f64, stop: f64) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("ZREMRANGEBYRANK").arg(key)?.num(start).num(stop))?)
    }

    /// Same as Redis `ZREMRANGEBYSCORE`.
    pub fn zremrangebyscore(&self, key: &Key, min: &Score, max: &Score) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("ZREMRANGEBYSCORE").arg(key)?.arg(min)?.arg(max)?)?)
    }

    /// Same as Redis `ZREMRANGEBYLEX`.
    pub fn zremrangebylex(&self, key: &Key, min: &str, max: &str) -> Result<f64, JsValue> {
        let a = Argv::new("ZREMRANGEBYLEX")
            .arg(key)?
            .arg(&min.into())?
            .arg(&max.into())?;
        convert::integer(self.run(a)?)
    }

    /// Same as Redis `ZPOPMIN key [count]`: `[member, score][]`.
    pub fn zpopmin(&self, key: &Key, count: Option<f64>) -> Result<Scored, JsValue> {
        self.zpop("ZPOPMIN", key, count)
    }

    /// Same as Redis `ZPOPMAX key [count]`: `[member, score][]`.
    pub fn zpopmax(&self, key: &Key, count: Option<f64>) -> Result<Scored, JsValue> {
        self.zpop("ZPOPMAX", key, count)
    }

    /// Same as Redis `ZMPOP numkeys key... MIN|MAX [COUNT n]`.
    pub fn zmpop(
        &self,
        keys: &Keys,
        from: &MinMax,
        count: Option<f64>,
    ) -> Result<ZMPopped, JsValue> {
        let mut a = Argv::new("ZMPOP").counted(keys)?.upper(from)?;
        if let Some(n) = count {
            a = a.kw("COUNT").num(n);
        }
        Ok(zmpopped(self.run(a)?)?.unchecked_into())
    }

    /// Same as Redis `BZPOPMIN key... timeout`: resolves to
    /// `[key, member, score]` (now or when a member is added), or `null`
    /// after `timeout` seconds (0: wait forever).
    pub fn bzpopmin(&self, keys: &Keys, timeout: f64) -> Result<PromiseKeyMemberScore, JsValue> {
        self.bzpop("BZPOPMIN", keys, timeout)
    }

    /// Same as Redis `BZPOPMAX key... timeout`.
    pub fn bzpopmax(&self, keys: &Keys, timeout: f64) -> Result<PromiseKeyMemberScore, JsValue> {
        self.bzpop("BZPOPMAX", keys, timeout)
    }

    /// Same as Redis `BZMPOP timeout numkeys key... MIN|MAX [COUNT n]`.
    pub fn bzmpop(
        &self,
        keys: &Keys,
        from: &MinMax,
        timeout: f64,
        count: Option<f64>,
    ) -> Result<PromiseZMPopped, JsValue> {
        let mut a = Argv::new("BZMPOP")
            .num(timeout)
            .counted(keys)?
            .upper(from)?;
        if let Some(n) = count {
            a = a.kw("COUNT").num(n);
        }
        let d = self.dispatch(a.0);
        Ok(self.promise(d, Box::new(zmpopped)).unchecked_into())
    }

    // skip_typescript: the reply's shape depends on `count` and
    // `withScores`; overloads in types.rs.
    /// Same as Redis `ZRANDMEMBER key [count [WITHSCORES]]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn zrandmember(
        &self,
        key: &JsValue,
        count: Option<f64>,
        with_scores: Option<bool>,
    ) -> Result<JsValue, JsValue> {
        let a = Argv::new("ZRANDMEMBER").arg(key)?;
        match (count, with_scores.unwrap_or(false)) {
            (None, _) => convert::nullable(self.run(a)?, Mode::Text),
            (Some(n), ws) => {
                let a = a.num(n);
                members(self.run(if ws { a.kw("WITHSCORES") } else { a })?, ws)
            }
        }
    }

    // skip_typescript: as `zrange`.
    /// Same as Redis `ZUNION numkeys key... [WEIGHTS] [AGGREGATE] [WITHSCORES]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn zunion(&self, keys: &JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        self.zcombine("ZUNION", keys, &options)
    }

    // skip_typescript: as `zrange`.
    /// Same as Redis `ZINTER numkeys key... [WEIGHTS] [AGGREGATE] [WITHSCORES]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn zinter(&self, keys: &JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        self.zcombine("ZINTER", keys, &options)
    }

    // skip_typescript: as `zrange`.
    /// Same as Redis `ZDIFF numkeys key... [WITHSCORES]`.
    #[wasm_bindgen(skip_typescript)]
    pub fn zdiff(&self, keys: &JsValue, options: JsValue) -> Result<JsValue, JsValue> {
        let o = Opts::new(&options)?;
        let a = Argv::new("ZDIFF").counted(keys)?;
        let ws = o.flag("withScores");
        members(self.run(if ws { a.kw("WITHSCORES") } else { a })?, ws)
    }

    /// Same as Redis `ZUNIONSTORE dst numkeys key... [WEIGHTS] [AGGREGATE]`.
    pub fn zunionstore(
        &self,
        destination: &Key,
        keys: &Keys,
        options: Option<ZStoreOptions>,
    ) -> Result<f64, JsValue> {
        let a = Argv::new("ZUNIONSTORE").arg(destination)?.counted(keys)?;
        convert::integer(self.run(combine_options(a, &Opts::of(options)?)?)?)
    }

    /// Same as Redis `ZINTERSTORE dst numkeys key... [WEIGHTS] [AGGREGATE]`.
    pub fn zinterstore(
        &self,
        destination: &Key,
        keys: &Keys,
        options: Option<ZStoreOptions>,
    ) -> Result<f64, JsValue> {
        let a = Argv::new("ZINTERSTORE").arg(destination)?.counted(keys)?;
        convert::integer(self.run(combine_options(a, &Opts::of(options)?)?)?)
    }

    /// Same as Redis `ZDIFFSTORE dst numkeys key...`.
    pub fn zdiffstore(&self, destination: &Key, keys: &Keys) -> Result<f64, JsValue> {
        convert::integer(self.run(Argv::new("ZDIFFSTORE").arg(destination)?.counted(keys)?)?)
    }

    /// Same as Redis `ZINTERCARD numkeys key... [LIMIT n]`.
    pub fn zintercard(&self, keys: &Keys, options: Option<CardOptions>) -> Result<f64, JsValue> {
        let o = Opts::of(options)?;
        let mut a = Argv::new("ZINTERCARD").counted(keys)?;
        if let Some(l) = o.get("limit") {
            a = a.kw("LIMIT").arg(&l)?;
        }
        convert::integer(self.run(a)?)
    }

    /// Same as Redis `ZSCAN key cursor [MATCH] [COUNT]`: `[nextCursor, [member, score][]]`.
    pub fn zscan(
        &self,
        key: &Key,
        cursor: &Value,
        options: Option<KeyScanOptions>,
    ) -> Result<ZScanPage, JsValue> {
        let a = scan_options(
            Argv::new("ZSCAN").arg(key)?.arg(cursor)?,
            &Opts::of(options)?,
        )?;
        let r = self.run(a)?;
        Ok(convert::scan(r, |v| convert::scored(Reply::Array(v)))?.unchecked_into())
    }
}
