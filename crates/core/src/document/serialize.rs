//! Template values made from the model's `Serialize`: every value the chapters' templates see.
//! They are made straight from the value, not through its JSON (at ×64 the evaluation table's
//! JSON was 10 MB next to its values, the heap peak of `renja check`), but as from its JSON
//! (`serde_json::to_value`): a map is an object with string keys (a later duplicate key
//! replaces the earlier value), `None`, unit and non-finite floats are null, integers beyond
//! `i64` are floats, an enum variant with data is a one-entry map. Then the templates' own
//! rules: an object of `teks` and at most one more key is an [`super::template::Angka`] (its
//! number from `nilai`, else `angka`), an object with a `baris` array also gets a `kode` map of
//! the rows by their `kode`. The tests hold this against the conversion of the JSON itself
//! (`template::to_value`, kept for them).

use super::template::{angka, Keys};
use minijinja::Value;
use serde::ser::{self, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// `v` as a template value, or `None` where its JSON would be null or fail.
pub fn value_of<T: Serialize + ?Sized>(v: &T) -> Option<Value> {
    let out = v.serialize(Conv { keys: &mut Keys::default() }).ok()?;
    (!matches!(out.json, Json::Null)).then_some(out.value)
}

/// One serialised value: the template value, and what of its JSON the enclosing object's rules
/// read.
struct Out {
    value: Value,
    json: Json,
}

/// What the rules read of a JSON value.
enum Json {
    Null,
    /// A string (its text is the value's).
    Str,
    /// A number, as serde_json prints it.
    Num(String),
    /// An object, with its `kode` when that is a string.
    Object(Option<String>),
    /// An array, with each element's `kode` when the element is an object with a string `kode`.
    Array(Vec<Option<String>>),
    Other,
}

#[derive(Debug)]
pub struct Error(String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Error(msg.to_string())
    }
}

fn out(value: Value, json: Json) -> Result<Out, Error> {
    Ok(Out { value, json })
}

fn null() -> Result<Out, Error> {
    out(Value::from(()), Json::Null)
}

fn int(i: i64) -> Result<Out, Error> {
    out(Value::from(i), Json::Num(i.to_string()))
}

fn float(f: f64) -> Result<Out, Error> {
    match serde_json::Number::from_f64(f) {
        Some(n) => out(Value::from(f), Json::Num(n.to_string())),
        None => null(),
    }
}

fn uint(u: u64) -> Result<Out, Error> {
    match i64::try_from(u) {
        Ok(i) => int(i),
        // serde_json keeps it as a u64, which the conversion reads as a float.
        Err(_) => out(Value::from(u as f64), Json::Num(u.to_string())),
    }
}

fn string(s: String) -> Result<Out, Error> {
    out(Value::from(s), Json::Str)
}

/// The serializer; every object's keys are interned in `keys`.
struct Conv<'k> {
    keys: &'k mut Keys,
}

impl<'k> ser::Serializer for Conv<'k> {
    type Ok = Out;
    type Error = Error;
    type SerializeSeq = Seq<'k>;
    type SerializeTuple = Seq<'k>;
    type SerializeTupleStruct = Seq<'k>;
    type SerializeTupleVariant = Variant<Seq<'k>>;
    type SerializeMap = Object<'k>;
    type SerializeStruct = Object<'k>;
    type SerializeStructVariant = Variant<Object<'k>>;

    fn serialize_bool(self, v: bool) -> Result<Out, Error> {
        out(Value::from(v), Json::Other)
    }
    fn serialize_i8(self, v: i8) -> Result<Out, Error> {
        int(v.into())
    }
    fn serialize_i16(self, v: i16) -> Result<Out, Error> {
        int(v.into())
    }
    fn serialize_i32(self, v: i32) -> Result<Out, Error> {
        int(v.into())
    }
    fn serialize_i64(self, v: i64) -> Result<Out, Error> {
        int(v)
    }
    fn serialize_i128(self, v: i128) -> Result<Out, Error> {
        match (i64::try_from(v), u64::try_from(v)) {
            (Ok(i), _) => int(i),
            (_, Ok(u)) => uint(u),
            _ => Err(ser::Error::custom("number out of range")),
        }
    }
    fn serialize_u8(self, v: u8) -> Result<Out, Error> {
        int(v.into())
    }
    fn serialize_u16(self, v: u16) -> Result<Out, Error> {
        int(v.into())
    }
    fn serialize_u32(self, v: u32) -> Result<Out, Error> {
        int(v.into())
    }
    fn serialize_u64(self, v: u64) -> Result<Out, Error> {
        uint(v)
    }
    fn serialize_u128(self, v: u128) -> Result<Out, Error> {
        u64::try_from(v).map_err(|_| ser::Error::custom("number out of range")).and_then(uint)
    }
    fn serialize_f32(self, v: f32) -> Result<Out, Error> {
        float(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<Out, Error> {
        float(v)
    }
    fn serialize_char(self, v: char) -> Result<Out, Error> {
        string(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<Out, Error> {
        string(v.to_string())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<Out, Error> {
        let n = v.len();
        out(Value::from(v.iter().map(|&b| Value::from(b)).collect::<Vec<_>>()), Json::Array(vec![None; n]))
    }
    fn serialize_none(self) -> Result<Out, Error> {
        null()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, v: &T) -> Result<Out, Error> {
        v.serialize(self)
    }
    fn serialize_unit(self) -> Result<Out, Error> {
        null()
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<Out, Error> {
        null()
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<Out, Error> {
        string(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<Out, Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, variant: &'static str, v: &T) -> Result<Out, Error> {
        let inner = v.serialize(Conv { keys: &mut *self.keys })?;
        wrap(variant, self.keys, inner)
    }
    fn serialize_seq(self, len: Option<usize>) -> Result<Seq<'k>, Error> {
        Ok(Seq { keys: self.keys, items: Vec::with_capacity(len.unwrap_or(0)), kodes: Vec::with_capacity(len.unwrap_or(0)) })
    }
    fn serialize_tuple(self, len: usize) -> Result<Seq<'k>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_struct(self, _: &'static str, len: usize) -> Result<Seq<'k>, Error> {
        self.serialize_seq(Some(len))
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, variant: &'static str, len: usize) -> Result<Variant<Seq<'k>>, Error> {
        Ok(Variant { variant, inner: self.serialize_seq(Some(len))? })
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Object<'k>, Error> {
        Ok(Object::new(self.keys))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Object<'k>, Error> {
        Ok(Object::new(self.keys))
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, variant: &'static str, _: usize) -> Result<Variant<Object<'k>>, Error> {
        Ok(Variant { variant, inner: Object::new(self.keys) })
    }
}

/// An array being serialised.
struct Seq<'k> {
    keys: &'k mut Keys,
    items: Vec<Value>,
    kodes: Vec<Option<String>>,
}

impl Seq<'_> {
    fn push<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let o = v.serialize(Conv { keys: &mut *self.keys })?;
        self.kodes.push(match o.json {
            Json::Object(kode) => kode,
            _ => None,
        });
        self.items.push(o.value);
        Ok(())
    }

    /// The array's value (its items taken: the key table stays for an enclosing variant).
    fn finish(&mut self) -> Result<Out, Error> {
        out(Value::from(std::mem::take(&mut self.items)), Json::Array(std::mem::take(&mut self.kodes)))
    }
}

/// The three array-like serialisers are one: each element is pushed.
macro_rules! seq_impl {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for Seq<'_> {
            type Ok = Out;
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
                self.push(v)
            }
            fn end(mut self) -> Result<Out, Error> {
                self.finish()
            }
        }
    };
}

seq_impl!(SerializeSeq, serialize_element);
seq_impl!(SerializeTuple, serialize_element);
seq_impl!(SerializeTupleStruct, serialize_field);

/// An object being serialised: its entries in order, converted when complete.
struct Object<'k> {
    keys: &'k mut Keys,
    entries: Vec<(String, Out)>,
    /// The key given by `serialize_key`, waiting for its value.
    key: Option<String>,
}

impl<'k> Object<'k> {
    fn new(keys: &'k mut Keys) -> Self {
        Object { keys, entries: Vec::new(), key: None }
    }

    fn insert<T: Serialize + ?Sized>(&mut self, key: String, v: &T) -> Result<(), Error> {
        let o = v.serialize(Conv { keys: &mut *self.keys })?;
        // serde_json's map: a repeated key replaces the value in its place.
        match self.entries.iter_mut().find(|(k, _)| *k == key) {
            Some(e) => e.1 = o,
            None => self.entries.push((key, o)),
        }
        Ok(())
    }

    /// The object's value under the module's rules (its entries taken: the key table stays for an
    /// enclosing variant).
    fn finish(&mut self) -> Result<Out, Error> {
        let entries = std::mem::take(&mut self.entries);
        let get = |name: &str| entries.iter().find(|(k, _)| k == name).map(|(_, o)| o);
        let kode = get("kode").filter(|o| matches!(o.json, Json::Str)).and_then(|o| o.value.as_str().map(str::to_string));
        if let (Some(teks), true) = (get("teks").filter(|o| matches!(o.json, Json::Str)), entries.len() <= 2) {
            let nilai = get("nilai").or_else(|| get("angka")).and_then(|n| match &n.json {
                Json::Str => n.value.as_str().map(str::to_string),
                Json::Num(text) => Some(text.clone()),
                _ => None,
            });
            let teks = teks.value.as_str().unwrap_or_default().to_string();
            return out(angka(nilai, teks), Json::Object(kode));
        }
        let by_code: Option<BTreeMap<String, Value>> = match get("baris") {
            Some(Out { value, json: Json::Array(kodes) }) => {
                let rows = value.try_iter().map(|it| it.collect::<Vec<_>>()).unwrap_or_default();
                Some(kodes.iter().zip(rows).filter_map(|(k, v)| k.clone().map(|k| (k, v))).collect())
            }
            _ => None,
        };
        let mut map: BTreeMap<Arc<str>, Value> = BTreeMap::new();
        for (k, o) in entries {
            map.insert(self.keys.get(&k), o.value);
        }
        if let Some(by_code) = by_code.filter(|m| !m.is_empty()) {
            map.insert(self.keys.get("kode"), Value::from(by_code));
        }
        out(Value::from(map), Json::Object(kode))
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = Out;
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(key.serialize(KeyConv)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        let key = self.key.take().ok_or_else(|| ser::Error::custom("value without a key"))?;
        self.insert(key, v)
    }
    fn end(mut self) -> Result<Out, Error> {
        self.finish()
    }
}

impl ser::SerializeStruct for Object<'_> {
    type Ok = Out;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), Error> {
        self.insert(key.to_string(), v)
    }
    fn end(mut self) -> Result<Out, Error> {
        self.finish()
    }
}

/// An enum variant with data: a one-entry object of the variant's name and its data.
struct Variant<I> {
    variant: &'static str,
    inner: I,
}

/// The one-entry object of an enum variant's name and its data.
fn wrap(variant: &'static str, keys: &mut Keys, inner: Out) -> Result<Out, Error> {
    let mut o = Object::new(keys);
    o.entries.push((variant.to_string(), inner));
    o.finish()
}

impl ser::SerializeTupleVariant for Variant<Seq<'_>> {
    type Ok = Out;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, v: &T) -> Result<(), Error> {
        self.inner.push(v)
    }
    fn end(mut self) -> Result<Out, Error> {
        let inner = self.inner.finish()?;
        wrap(self.variant, self.inner.keys, inner)
    }
}

impl ser::SerializeStructVariant for Variant<Object<'_>> {
    type Ok = Out;
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, v: &T) -> Result<(), Error> {
        self.inner.insert(key.to_string(), v)
    }
    fn end(mut self) -> Result<Out, Error> {
        let inner = self.inner.finish()?;
        wrap(self.variant, self.inner.keys, inner)
    }
}

/// An object key, as serde_json's map keys: strings, and integers, characters and booleans as
/// their text.
struct KeyConv;

fn key_error() -> Error {
    ser::Error::custom("key must be a string")
}

impl ser::Serializer for KeyConv {
    type Ok = String;
    type Error = Error;
    type SerializeSeq = ser::Impossible<String, Error>;
    type SerializeTuple = ser::Impossible<String, Error>;
    type SerializeTupleStruct = ser::Impossible<String, Error>;
    type SerializeTupleVariant = ser::Impossible<String, Error>;
    type SerializeMap = ser::Impossible<String, Error>;
    type SerializeStruct = ser::Impossible<String, Error>;
    type SerializeStructVariant = ser::Impossible<String, Error>;

    fn serialize_bool(self, v: bool) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i8(self, v: i8) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i16(self, v: i16) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i32(self, v: i32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i64(self, v: i64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_i128(self, v: i128) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u8(self, v: u8) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u16(self, v: u16) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u32(self, v: u32) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u64(self, v: u64) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_u128(self, v: u128) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_f32(self, _: f32) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_f64(self, _: f64) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_char(self, v: char) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_str(self, v: &str) -> Result<String, Error> {
        Ok(v.to_string())
    }
    fn serialize_bytes(self, _: &[u8]) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_none(self) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _: &T) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_unit(self) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_unit_variant(self, _: &'static str, _: u32, variant: &'static str) -> Result<String, Error> {
        Ok(variant.to_string())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _: &'static str, v: &T) -> Result<String, Error> {
        v.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(self, _: &'static str, _: u32, _: &'static str, _: &T) -> Result<String, Error> {
        Err(key_error())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Self::SerializeSeq, Error> {
        Err(key_error())
    }
    fn serialize_tuple(self, _: usize) -> Result<Self::SerializeTuple, Error> {
        Err(key_error())
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeTupleStruct, Error> {
        Err(key_error())
    }
    fn serialize_tuple_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeTupleVariant, Error> {
        Err(key_error())
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Self::SerializeMap, Error> {
        Err(key_error())
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Self::SerializeStruct, Error> {
        Err(key_error())
    }
    fn serialize_struct_variant(self, _: &'static str, _: u32, _: &'static str, _: usize) -> Result<Self::SerializeStructVariant, Error> {
        Err(key_error())
    }
}

#[cfg(test)]
mod tests {
    use super::value_of;
    use crate::document::template::{to_value, Angka};
    use minijinja::value::{Value, ValueKind};
    use serde::Serialize;

    /// Every value as text: kinds, map keys in order, numbers with their type, Angka's parts.
    fn dump(v: &Value, out: &mut String) {
        if let Some(a) = v.downcast_object_ref::<Angka>() {
            out.push_str(&format!("angka {:?} {:?}\n", a.nilai, a.teks));
            return;
        }
        match v.kind() {
            ValueKind::Map => {
                out.push_str("map {\n");
                for k in v.try_iter().unwrap() {
                    out.push_str(&format!("{k:?}: "));
                    dump(&v.get_item(&k).unwrap(), out);
                }
                out.push_str("}\n");
            }
            ValueKind::Seq => {
                out.push_str("seq [\n");
                v.try_iter().unwrap().for_each(|x| dump(&x, out));
                out.push_str("]\n");
            }
            kind => out.push_str(&format!("{kind:?} {v:?} {}\n", v.is_integer())),
        }
    }

    /// The direct conversion and the one through JSON give the same value (or both none).
    fn same<T: Serialize>(v: &T, what: &str) {
        let json = serde_json::to_value(v).unwrap_or_default();
        let old = (!json.is_null()).then(|| to_value(&json));
        let new = value_of(v);
        let text = |v: Option<Value>| {
            let mut s = String::new();
            if let Some(v) = v {
                dump(&v, &mut s);
            }
            s
        };
        let (old, new) = (text(old), text(new));
        for (i, (a, b)) in new.lines().zip(old.lines()).enumerate() {
            assert_eq!(a, b, "{what}: line {i}");
        }
        assert_eq!(new.lines().count(), old.lines().count(), "{what}");
    }

    #[test]
    fn the_computed_tables_convert_as_through_their_json() {
        for dir in ["content", "contoh/murni"] {
            let dir = crate::checkout_dir().join(dir);
            let mut diags = crate::diag::Diagnostics::new();
            let sources = crate::source::load(&dir, &mut diags);
            let ed = crate::model::validate(&sources, &mut diags).unwrap();
            let c = crate::compute::compute(&ed, &mut diags);
            assert!(c.evaluasi.is_some() || c.rencana.is_some());
            same(&c.evaluasi, "evaluasi");
            same(&c.tujuan_sasaran, "tujuan_sasaran");
            same(&c.rkpd, "rkpd");
            same(&c.rencana, "rencana");
            same(&c.usulan, "usulan");
            same(&ed.meta, "meta");
        }
    }

    #[test]
    fn the_json_rules_hold_for_every_shape() {
        #[derive(Serialize)]
        enum E {
            Unit,
            New(i32),
            Tuple(u8, String),
            Struct { teks: String, angka: f64 },
        }
        #[derive(Serialize)]
        struct Row {
            kode: String,
            teks: &'static str,
            nilai: u64,
        }
        #[derive(Serialize)]
        struct Unit;
        #[derive(Serialize)]
        struct All {
            none: Option<i32>,
            some: Option<&'static str>,
            unit: (),
            unit_struct: Unit,
            big: u64,
            i128: i128,
            nan: f64,
            float: f32,
            ch: char,
            bytes: serde_bytes_like::Bytes,
            enums: Vec<E>,
            by_int: std::collections::BTreeMap<i32, bool>,
            by_variant: std::collections::BTreeMap<&'static str, E>,
            // `teks` with one more key: an Angka; with a string, integer or float number.
            a: std::collections::BTreeMap<&'static str, &'static str>,
            b: (String, [u8; 2]),
            baris: Vec<Row>,
            teks: &'static str,
        }
        mod serde_bytes_like {
            pub struct Bytes(pub Vec<u8>);
            impl serde::Serialize for Bytes {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_bytes(&self.0)
                }
            }
        }
        let all = All {
            none: None,
            some: Some("ada"),
            unit: (),
            unit_struct: Unit,
            big: u64::MAX,
            i128: -5,
            nan: f64::NAN,
            float: 1.5,
            ch: 'é',
            bytes: serde_bytes_like::Bytes(vec![1, 2]),
            enums: vec![E::Unit, E::New(3), E::Tuple(1, "x".into()), E::Struct { teks: "1,5".into(), angka: 1.5 }],
            by_int: [(1, true), (-2, false)].into(),
            by_variant: [("a", E::Unit)].into(),
            a: [("teks", "Rp 5"), ("nilai", "5")].into(),
            b: ("b".into(), [1, 2]),
            baris: vec![Row { kode: "1.01".into(), teks: "x", nilai: 1 }, Row { kode: "1.02".into(), teks: "y", nilai: u64::MAX }],
            teks: "bukan angka: lebih dari dua kolom",
        };
        same(&all, "all");
        same(&E::Struct { teks: "t".into(), angka: 1e300 }, "struct variant");
        same(&Option::<i32>::None, "none");
        same(&vec![Some(1), None], "options");
        // A row that is itself an Angka still counts in the `kode` map.
        #[derive(Serialize)]
        struct Short {
            kode: &'static str,
            teks: &'static str,
        }
        #[derive(Serialize)]
        struct Tabel {
            baris: Vec<Short>,
            kode: i32,
        }
        same(&Tabel { baris: vec![Short { kode: "1", teks: "a" }], kode: 5 }, "short rows");
    }
}
