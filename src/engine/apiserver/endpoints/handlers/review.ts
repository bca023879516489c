import { present, targetOf, type ResourceRequest } from '../../context.js';
import { invalid } from '../errors.js';
import { sendJson } from '../http.js';
import { asObject } from './prepare.js';
import { decodeRequestObject } from './write.js';

/** POST of a review: answered from the request alone, nothing is stored. */
export async function handleReview(rr: ResourceRequest): Promise<void> {
  const answer = rr.resource.review;
  if (!answer) throw new Error(`${rr.resource.kind} is not a review`);
  const obj = asObject(rr, (await decodeRequestObject(rr)).body);
  const result = answer(obj);
  if ('invalid' in result) throw invalid({ ...targetOf(rr, obj.metadata.name), kind: rr.resource.kind }, result.invalid);
  sendJson(rr.res, 201, present(rr, { ...obj, status: result.status }));
}
