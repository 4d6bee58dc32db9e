//! Writing PDF objects and incremental updates. lopdf parses the existing file; the update
//! (new and changed objects, a classic cross-reference section, a trailer with `/Prev`) is
//! written here so that the byte positions the signature depends on are under our control.

use lopdf::{Dictionary, Object, ObjectId, StringFormat};
use std::io::Write;

/// A PDF text string: literal for printable ASCII, UTF-16BE with a byte order mark otherwise.
pub fn text(s: &str) -> Object {
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        Object::String(s.as_bytes().to_vec(), StringFormat::Literal)
    } else {
        let mut bytes = vec![0xfe, 0xff];
        for u in s.encode_utf16() {
            bytes.extend_from_slice(&u.to_be_bytes());
        }
        Object::String(bytes, StringFormat::Hexadecimal)
    }
}

/// A name object.
pub fn name(s: &str) -> Object {
    Object::Name(s.as_bytes().to_vec())
}

/// Serialises one object (direct form) into `out`.
pub fn write_object(out: &mut Vec<u8>, obj: &Object) {
    match obj {
        Object::Null => out.extend_from_slice(b"null"),
        Object::Boolean(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Object::Integer(i) => {
            let _ = write!(out, "{i}");
        }
        Object::Real(r) => write_real(out, *r as f64),
        Object::Name(n) => write_name(out, n),
        Object::String(s, StringFormat::Hexadecimal) => {
            out.push(b'<');
            for b in s {
                let _ = write!(out, "{b:02X}");
            }
            out.push(b'>');
        }
        Object::String(s, StringFormat::Literal) => {
            out.push(b'(');
            for &b in s {
                match b {
                    b'(' | b')' | b'\\' => {
                        out.push(b'\\');
                        out.push(b);
                    }
                    b'\r' => out.extend_from_slice(b"\\r"),
                    b'\n' => out.extend_from_slice(b"\\n"),
                    0x20..=0x7e => out.push(b),
                    _ => {
                        let _ = write!(out, "\\{b:03o}");
                    }
                }
            }
            out.push(b')');
        }
        Object::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b' ');
                }
                write_object(out, item);
            }
            out.push(b']');
        }
        Object::Dictionary(d) => write_dict(out, d),
        Object::Stream(s) => {
            let mut dict = s.dict.clone();
            dict.set("Length", Object::Integer(s.content.len() as i64));
            write_dict(out, &dict);
            out.extend_from_slice(b"\nstream\n");
            out.extend_from_slice(&s.content);
            out.extend_from_slice(b"\nendstream");
        }
        Object::Reference((id, gen_)) => {
            let _ = write!(out, "{id} {gen_} R");
        }
    }
}

fn write_dict(out: &mut Vec<u8>, d: &Dictionary) {
    out.extend_from_slice(b"<<");
    for (k, v) in d.iter() {
        write_name(out, k);
        out.push(b' ');
        write_object(out, v);
    }
    out.extend_from_slice(b">>");
}

fn write_name(out: &mut Vec<u8>, n: &[u8]) {
    out.push(b'/');
    for &b in n {
        if (0x21..=0x7e).contains(&b) && !b"#()<>[]{}/%".contains(&b) {
            out.push(b);
        } else {
            let _ = write!(out, "#{b:02X}");
        }
    }
}

fn write_real(out: &mut Vec<u8>, r: f64) {
    let s = format!("{r:.4}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    out.extend_from_slice(if s.is_empty() || s == "-" || s == "-0" { b"0" } else { s.as_bytes() });
}

/// Where the previous cross-reference section starts (the last `startxref` of the file).
pub fn last_startxref(pdf: &[u8]) -> Option<usize> {
    let tail_start = pdf.len().saturating_sub(1024);
    let tail = &pdf[tail_start..];
    let pos = tail.windows(9).rposition(|w| w == b"startxref")?;
    let rest = std::str::from_utf8(&tail[pos + 9..]).ok()?;
    rest.split_whitespace().next()?.parse().ok()
}

/// An incremental update being assembled: objects to (re)write and the previous trailer.
pub struct Update {
    objects: Vec<(ObjectId, Vec<u8>)>,
    next_id: u32,
}

impl Update {
    /// Starts an update after a document whose highest object number is `max_id`.
    pub fn new(max_id: u32) -> Update {
        Update { objects: Vec::new(), next_id: max_id + 1 }
    }

    /// Reserves a fresh object number.
    pub fn reserve(&mut self) -> ObjectId {
        let id = (self.next_id, 0);
        self.next_id += 1;
        id
    }

    /// Adds a new object and returns its id.
    pub fn add(&mut self, obj: &Object) -> ObjectId {
        let id = self.reserve();
        self.set(id, obj);
        id
    }

    /// Writes (or rewrites) the object with this id.
    pub fn set(&mut self, id: ObjectId, obj: &Object) {
        let mut body = Vec::new();
        write_object(&mut body, obj);
        self.set_raw(id, body);
    }

    /// Writes the object with this id from already serialised bytes.
    pub fn set_raw(&mut self, id: ObjectId, body: Vec<u8>) {
        self.objects.retain(|(i, _)| *i != id);
        self.objects.push((id, body));
    }

    /// Appends the update to `pdf`: objects, cross-reference section and trailer. Returns, for
    /// each object, the offset of its body in the result (for patching placeholders).
    pub fn append(mut self, pdf: &mut Vec<u8>, prev_trailer: &Dictionary, prev_xref: usize) -> Vec<(ObjectId, usize)> {
        if !pdf.ends_with(b"\n") {
            pdf.push(b'\n');
        }
        self.objects.sort_by_key(|(id, _)| *id);
        let mut offsets = Vec::new();
        let mut bodies = Vec::new();
        for (id, body) in &self.objects {
            let start = pdf.len();
            let _ = write!(pdf, "{} {} obj\n", id.0, id.1);
            bodies.push((*id, pdf.len()));
            pdf.extend_from_slice(body);
            pdf.extend_from_slice(b"\nendobj\n");
            offsets.push((*id, start));
        }
        let xref = pdf.len();
        pdf.extend_from_slice(b"xref\n");
        // One subsection per run of consecutive object numbers.
        let mut i = 0;
        while i < offsets.len() {
            let mut j = i;
            while j + 1 < offsets.len() && offsets[j + 1].0.0 == offsets[j].0.0 + 1 {
                j += 1;
            }
            let _ = write!(pdf, "{} {}\n", offsets[i].0.0, j - i + 1);
            for (id, off) in &offsets[i..=j] {
                let _ = write!(pdf, "{off:010} {:05} n\r\n", id.1);
            }
            i = j + 1;
        }
        let mut trailer = Dictionary::new();
        trailer.set("Size", Object::Integer(self.next_id as i64));
        for key in [&b"Root"[..], b"Info", b"ID"] {
            if let Ok(v) = prev_trailer.get(key) {
                trailer.set(key.to_vec(), v.clone());
            }
        }
        trailer.set("Prev", Object::Integer(prev_xref as i64));
        pdf.extend_from_slice(b"trailer\n");
        write_dict(pdf, &trailer);
        let _ = write!(pdf, "\nstartxref\n{xref}\n%%EOF\n");
        bodies
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ser(o: &Object) -> String {
        let mut v = Vec::new();
        write_object(&mut v, o);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn objects_serialise() {
        let mut d = Dictionary::new();
        d.set("Type", name("Sig"));
        d.set("R", Object::Array(vec![Object::Integer(1), Object::Real(0.5), Object::Reference((3, 0))]));
        d.set("T", text("a(b)"));
        assert_eq!(ser(&Object::Dictionary(d)), "<</Type /Sig/R [1 0.5 3 0 R]/T (a\\(b\\))>>");
        assert_eq!(ser(&name("A B")), "/A#20B");
        assert_eq!(ser(&text("é")), "<FEFF00E9>");
        assert_eq!(ser(&Object::Real(2.0)), "2");
    }

    #[test]
    fn startxref_is_found() {
        assert_eq!(last_startxref(b"%PDF\n...\nstartxref\n1234\n%%EOF\n"), Some(1234));
        assert_eq!(last_startxref(b"no"), None);
    }
}
