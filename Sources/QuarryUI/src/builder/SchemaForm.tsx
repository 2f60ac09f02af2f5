import { useEffect, useRef, useState } from "react";
import type { JSONSchema } from "./graph";
import { completeTemplate, openTemplate } from "./templates";

interface Props {
  schema: JSONSchema;
  value: Record<string, unknown>;
  onChange: (value: Record<string, unknown>) => void;
  /** The server's messages by field inside the config (`top_k`). */
  errors: Record<string, string>;
  /** `{{ … }}` paths this node may name, offered as it is typed. */
  templatePaths: string[];
  /** Prefix for element ids, unique per node. */
  idPrefix: string;
}

/** A form made from a node type's config schema; a field the form cannot shape is edited as JSON. */
export function SchemaForm({ schema, value, onChange, errors, templatePaths, idPrefix }: Props) {
  const properties = Object.entries(schema.properties ?? {});
  const required = new Set(schema.required ?? []);
  if (properties.length === 0) return <p className="muted small">This node type takes no settings.</p>;
  const set = (name: string, next: unknown) => {
    const copy = { ...value };
    if (next === undefined) delete copy[name];
    else copy[name] = next;
    onChange(copy);
  };
  return (
    <div className="schema-form">
      {properties.map(([name, property]) => (
        <Field
          key={name}
          id={`${idPrefix}-${name}`}
          name={name}
          schema={property}
          required={required.has(name)}
          value={value[name]}
          onChange={(next) => set(name, next)}
          error={errors[name] ?? null}
          templatePaths={templatePaths}
        />
      ))}
    </div>
  );
}

function kind(schema: JSONSchema): "enum" | "string" | "number" | "boolean" | "json" {
  if (schema.enum) return "enum";
  const type = Array.isArray(schema.type) ? schema.type.filter((each) => each !== "null")[0] : schema.type;
  if (type === "string") return "string";
  if (type === "integer" || type === "number") return "number";
  if (type === "boolean") return "boolean";
  return "json";
}

interface FieldProps {
  id: string;
  name: string;
  schema: JSONSchema;
  required: boolean;
  value: unknown;
  onChange: (value: unknown) => void;
  error: string | null;
  templatePaths: string[];
}

function Field({ id, name, schema, required, value, onChange, error, templatePaths }: FieldProps) {
  const shape = kind(schema);
  const describedBy = `${id}-help`;
  const label = (
    <label htmlFor={id}>
      {name}
      {required && <span className="required" title="required"> *</span>}
    </label>
  );
  const help = (
    <>
      {schema.description && (
        <p className="help" id={describedBy}>
          {schema.description}
        </p>
      )}
      {error && (
        <p className="field-error" role="alert" data-field-error={name}>
          {error}
        </p>
      )}
    </>
  );
  if (shape === "boolean") {
    return (
      <div className={`field${error ? " invalid" : ""}`}>
        <label className="inline">
          <input id={id} type="checkbox" checked={value === true} onChange={(event) => onChange(event.target.checked)} /> {name}
        </label>
        {help}
      </div>
    );
  }
  if (shape === "enum") {
    return (
      <div className={`field${error ? " invalid" : ""}`}>
        {label}
        <select id={id} value={value === undefined ? "" : String(value)} onChange={(event) => onChange(event.target.value === "" ? undefined : schema.enum!.find((each) => String(each) === event.target.value))}>
          <option value="">{schema.default !== undefined ? `default (${String(schema.default)})` : "—"}</option>
          {schema.enum!.map((option) => (
            <option key={String(option)} value={String(option)}>
              {String(option)}
            </option>
          ))}
        </select>
        {help}
      </div>
    );
  }
  if (shape === "json") {
    return (
      <div className={`field${error ? " invalid" : ""}`}>
        {label}
        <JSONInput id={id} value={value} onChange={onChange} templatePaths={templatePaths} example={example(schema)} />
        {help}
      </div>
    );
  }
  // Strings, and numbers that may also be one {{ template }}.
  const text = value === undefined ? "" : typeof value === "string" ? value : JSON.stringify(value);
  return (
    <div className={`field${error ? " invalid" : ""}`}>
      {label}
      <TemplateText
        id={id}
        value={text}
        multiline={shape === "string"}
        placeholder={shape === "number" ? "a number or {{ template }}" : schema.default !== undefined ? String(schema.default) : ""}
        onChange={(next) => {
          if (next === "") return onChange(undefined);
          if (shape === "number" && next.trim() !== "" && !Number.isNaN(Number(next))) return onChange(Number(next));
          onChange(next);
        }}
        templatePaths={templatePaths}
      />
      {help}
    </div>
  );
}

/** A hint of the JSON a field takes, by its schema's type. */
function example(schema: JSONSchema): string {
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === "array") return 'JSON, e.g. ["…", "…"]';
  if (type === "object") return 'JSON, e.g. {"key": "{{ trigger.value }}"}';
  return 'JSON, e.g. {"answer": "{{ nodes.ask.answer.text }}"} or "text"';
}

/** A JSON value typed as text; kept as text until it reads as JSON, and said so. */
function JSONInput(props: { id: string; value: unknown; onChange: (value: unknown) => void; templatePaths: string[]; example: string }) {
  const { id, value, onChange, templatePaths, example } = props;
  const [text, setText] = useState(() => (value === undefined ? "" : JSON.stringify(value, null, 2)));
  const [problem, setProblem] = useState<string | null>(null);
  // A value changed from outside (undo, another version loaded, an import) replaces the text; the
  // value the text itself made does not, so what is being typed stays as typed.
  useEffect(() => {
    let typed: unknown = undefined;
    try {
      typed = text.trim() === "" ? undefined : JSON.parse(text);
    } catch {
      return;
    }
    if (JSON.stringify(typed) !== JSON.stringify(value)) {
      setText(value === undefined ? "" : JSON.stringify(value, null, 2));
      setProblem(null);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [value]);
  return (
    <>
      <TemplateText
        id={id}
        value={text}
        multiline
        placeholder={example}
        templatePaths={templatePaths}
        onChange={(next) => {
          setText(next);
          if (next.trim() === "") {
            setProblem(null);
            return onChange(undefined);
          }
          try {
            onChange(JSON.parse(next));
            setProblem(null);
          } catch {
            setProblem("not JSON yet: strings need double quotes");
          }
        }}
      />
      {problem && <p className="field-error">{problem}</p>}
    </>
  );
}

/** A text field that offers the `{{ … }}` paths once `{{` is typed before the caret. */
function TemplateText(props: {
  id: string;
  value: string;
  multiline: boolean;
  placeholder: string;
  onChange: (value: string) => void;
  templatePaths: string[];
}) {
  const { id, value, multiline, placeholder, onChange, templatePaths } = props;
  const field = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const [typed, setTyped] = useState<string | null>(null);
  const [active, setActive] = useState(0);
  const matches = typed === null ? [] : templatePaths.filter((path) => path.startsWith(typed) || path.includes(typed)).slice(0, 12);

  const look = () => {
    const element = field.current;
    if (!element) return;
    setTyped(openTemplate(element.value.slice(0, element.selectionStart ?? element.value.length)));
    setActive(0);
  };
  const choose = (path: string) => {
    const element = field.current;
    if (!element) return;
    const completed = completeTemplate(element.value, element.selectionStart ?? element.value.length, path);
    onChange(completed.text);
    setTyped(null);
    requestAnimationFrame(() => {
      element.focus();
      element.setSelectionRange(completed.caret, completed.caret);
    });
  };
  const common = {
    id,
    ref: field,
    value,
    placeholder,
    spellCheck: false,
    autoComplete: "off",
    "aria-autocomplete": "list" as const,
    "aria-controls": `${id}-paths`,
    onChange: (event: { target: { value: string } }) => {
      onChange(event.target.value);
      requestAnimationFrame(look);
    },
    onKeyUp: (event: { key: string }) => {
      if (event.key === "ArrowLeft" || event.key === "ArrowRight") look();
    },
    onBlur: () => window.setTimeout(() => setTyped(null), 150),
    onKeyDown: (event: { key: string; preventDefault(): void }) => {
      if (matches.length === 0) return;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        setActive((index) => (index + (event.key === "ArrowDown" ? 1 : matches.length - 1)) % matches.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        event.preventDefault();
        choose(matches[active]);
      } else if (event.key === "Escape") {
        setTyped(null);
      }
    },
  };
  return (
    <div className="template-text">
      {multiline ? <textarea rows={Math.min(8, Math.max(2, value.split("\n").length))} {...common} /> : <input {...common} />}
      {matches.length > 0 && (
        <ul className="suggestions" id={`${id}-paths`} role="listbox" aria-label="Template paths">
          {matches.map((path, index) => (
            <li
              key={path}
              role="option"
              aria-selected={index === active}
              className={index === active ? "active" : ""}
              onMouseDown={(event) => {
                event.preventDefault();
                choose(path);
              }}
            >
              {path}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
