// The demo dataset the stack loads, for computing expected answers:
//   demoTables().orders  -> plain objects ({status: 'shipped', total: 12.5, ...})
//   generateDemoData()   -> [{definition, items}] in DynamoDB JSON
export { generateDemoData, demoTables, toPlain, fromAttr, BASE_DATE } from '../../../deploy/local/demo-data.mjs';
