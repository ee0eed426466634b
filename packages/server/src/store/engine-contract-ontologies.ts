/**
 * The ontology behaviour every storage engine must have, next to
 * `engine-contract-datasets.ts`. An ontology's editor is kept as the exact JSON text
 * written; a project points at one ontology at most; deleting a project never deletes
 * its ontology, and a project with no ontology gets its fallback exactly once.
 */
import { MetaindexError } from '@metaindex/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { datasetRecord, projectId, projectRecord } from './engine-contract-datasets.js';
import { at } from './engine-contract.js';
import type { Engine } from './engine.js';
import type { OntologyRecord } from './records.js';

/** Canonical lowercase uuids that never collide with the other contracts' ones. */
export const ontologyId = (n: number) => `00000000-0000-4000-8000-f${n.toString(16).padStart(11, '0')}`;

export function ontologyRecord(n: number, overrides: Partial<OntologyRecord> = {}): OntologyRecord {
  return {
    uuid: ontologyId(n),
    title: `ontology-${n}`,
    description: '',
    editor: '{"objects":[],"classifications":[]}',
    owner: 'owner@example.com',
    createdAt: at(n),
    lastEditedAt: at(n),
    ...overrides,
  };
}

export function describeOntologyContract(name: string, open: () => Promise<Engine>): void {
  describe(`ontology contract: ${name}`, () => {
    let engine: Engine;

    beforeEach(async () => {
      engine = await open();
    });
    afterEach(async () => {
      await engine.close();
    });

    it('creates and reads an ontology, keeping the editor text exactly', async () => {
      const editor =
        '{"objects":[{"id":"1","name":"cat"}],"classifications":[],"skeleton_templates":[],"z":1,"a":2}';
      const ontology = ontologyRecord(1, { editor, title: 'Animals', description: 'four legs' });
      await engine.createOntology(ontology);
      expect(await engine.getOntology(ontology.uuid)).toEqual(ontology);
      expect(await engine.getOntology(ontologyId(99))).toBeNull();
    });

    it('refuses a taken uuid with a conflict naming it', async () => {
      await engine.createOntology(ontologyRecord(1));
      const error: unknown = await engine.createOntology(ontologyRecord(1, { title: 'again' })).then(
        () => expect.fail('expected a conflict'),
        (rejected: unknown) => rejected,
      );
      expect(error).toBeInstanceOf(MetaindexError);
      expect(error).toMatchObject({ code: 'conflict' });
      expect(String(error)).toContain(ontologyId(1));
      expect((await engine.getOntology(ontologyId(1)))?.title).toBe('ontology-1');
    });

    it('lists ontologies in (createdAt, uuid) order', async () => {
      await engine.createOntology(ontologyRecord(3));
      await engine.createOntology(ontologyRecord(1));
      await engine.createOntology(ontologyRecord(2, { createdAt: at(1) }));
      expect((await engine.listOntologies()).map((o) => o.uuid)).toEqual([
        ontologyId(1),
        ontologyId(2),
        ontologyId(3),
      ]);
    });

    it('updates only the fields given; an unknown ontology gives null', async () => {
      await engine.createOntology(ontologyRecord(1, { description: 'kept' }));
      const updated = await engine.updateOntology({
        uuid: ontologyId(1),
        title: 'renamed',
        editor: '{"objects":[],"classifications":[{"id":"c"}]}',
        lastEditedAt: at(50),
      });
      expect(updated).toEqual(
        ontologyRecord(1, {
          title: 'renamed',
          description: 'kept',
          editor: '{"objects":[],"classifications":[{"id":"c"}]}',
          lastEditedAt: at(50),
        }),
      );
      expect(await engine.getOntology(ontologyId(1))).toEqual(updated);
      expect(
        await engine.updateOntology({ uuid: ontologyId(2), title: 'x', lastEditedAt: at(51) }),
      ).toBeNull();
    });

    it('links a project to one ontology, replacing the link; reports what is missing', async () => {
      await engine.createDataset(datasetRecord(1));
      expect(await engine.createProject(projectRecord(1), [])).toEqual({ ok: true });
      await engine.createOntology(ontologyRecord(1));
      await engine.createOntology(ontologyRecord(2));
      expect(await engine.getProjectOntology(projectId(1))).toBeNull();

      expect(await engine.setProjectOntology(projectId(1), ontologyId(1))).toEqual({ ok: true });
      expect(await engine.getProjectOntology(projectId(1))).toEqual(ontologyRecord(1));
      expect(await engine.setProjectOntology(projectId(1), ontologyId(2))).toEqual({ ok: true });
      expect(await engine.getProjectOntology(projectId(1))).toEqual(ontologyRecord(2));

      expect(await engine.setProjectOntology(projectId(2), ontologyId(1))).toEqual({
        ok: false,
        reason: 'missing-project',
      });
      expect(await engine.setProjectOntology(projectId(1), ontologyId(9))).toEqual({
        ok: false,
        reason: 'missing-ontology',
      });
      expect(await engine.getProjectOntology(projectId(1))).toEqual(ontologyRecord(2));
    });

    it('ensures an ontology: inserts and links the fallback once, then keeps the link', async () => {
      expect(await engine.createProject(projectRecord(1), [])).toEqual({ ok: true });
      const fallback = ontologyRecord(5, { title: 'empty' });
      expect(await engine.ensureProjectOntology(projectId(1), fallback)).toEqual(fallback);
      expect(await engine.getProjectOntology(projectId(1))).toEqual(fallback);
      // A second fallback is not used: the project already has one.
      expect(await engine.ensureProjectOntology(projectId(1), ontologyRecord(6))).toEqual(fallback);
      expect(await engine.getOntology(ontologyId(6))).toBeNull();
      // An unknown project gets nothing, and nothing is written.
      expect(await engine.ensureProjectOntology(projectId(2), ontologyRecord(7))).toBeNull();
      expect(await engine.getOntology(ontologyId(7))).toBeNull();
    });

    it('keeps an already linked ontology when the project has one', async () => {
      expect(await engine.createProject(projectRecord(1), [])).toEqual({ ok: true });
      await engine.createOntology(ontologyRecord(1));
      await engine.setProjectOntology(projectId(1), ontologyId(1));
      expect(await engine.ensureProjectOntology(projectId(1), ontologyRecord(2))).toEqual(ontologyRecord(1));
      expect(await engine.listOntologies()).toEqual([ontologyRecord(1)]);
    });

    it('deleting a project drops its link, never the ontology; shared ontologies stay linked', async () => {
      expect(await engine.createProject(projectRecord(1), [])).toEqual({ ok: true });
      expect(await engine.createProject(projectRecord(2), [])).toEqual({ ok: true });
      await engine.createOntology(ontologyRecord(1));
      await engine.setProjectOntology(projectId(1), ontologyId(1));
      await engine.setProjectOntology(projectId(2), ontologyId(1));
      expect(await engine.deleteProject(projectId(1))).toBe(true);
      expect(await engine.getProjectOntology(projectId(1))).toBeNull();
      expect(await engine.getOntology(ontologyId(1))).toEqual(ontologyRecord(1));
      expect(await engine.getProjectOntology(projectId(2))).toEqual(ontologyRecord(1));
    });
  });
}
