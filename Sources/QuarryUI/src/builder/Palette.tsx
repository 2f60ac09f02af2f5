import type { NodeType } from "./graph";

interface Props {
  types: NodeType[];
  editable: boolean;
  /** The pointer went down on a type: the builder drags it until the pointer goes up. */
  onGrab: (type: string, clientX: number, clientY: number) => void;
  /** A click or Enter: add the type after the selected node. */
  onAdd: (type: string) => void;
}

/** The node types this server runs, from `GET /api/v1/node-types`, to drag onto the canvas. */
export function Palette({ types, editable, onGrab, onAdd }: Props) {
  return (
    <aside className="palette" aria-label="Node types">
      <h2>Nodes</h2>
      <p className="muted small">Drag onto the canvas, or press Enter to add after the selected node.</p>
      <ul>
        {types.map((type) => (
          <li key={type.name}>
            <button
              type="button"
              className="palette-item"
              data-node-type={type.name}
              title={type.summary}
              disabled={!editable}
              onPointerDown={(event) => {
                if (event.button === 0 && editable) onGrab(type.name, event.clientX, event.clientY);
              }}
              onClick={() => onAdd(type.name)}
            >
              <span className="type-name">{type.name}</span>
              <span className="queue">{type.queue}</span>
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
